# Hopper-v4 (terminating) at MBBL's budget (pipelines/schedules/mbbl-200k.mk) counted in environment
# steps: 10,000 random steps, then 10,000 planned steps per iteration (a hopper that falls starts a new
# episode), 200,000 in all. A number of episodes would be an unknown number of steps here: a random
# hopper falls within a few dozen steps, a planned one after a hundred or so. With random shooting over
# a horizon of 80 steps instead of 20: Hopper's control step is 0.008 s, so H 20 sees only 0.16 s
# ahead, and on a model of this preset's own run the episodes lasted longer the longer the horizon
# (docs/RESULTS.md, "The other tasks at MBBL's budget"); K 500 × H 80 costs twice a K 1000 × H 20
# step. A planning cost on a root pitch beyond ±0.1 rad (plan --pitch-limit), inside the task's own
# termination at ±0.2, keeps the falls from being falls over the front or back.
TASK := hopper
METHOD := rs
RANDOM_STEPS ?= 10000
PLAN_STEPS ?= 10000
CANDIDATES ?= 500
HORIZON ?= 80
PITCH_LIMIT ?= 0.1
include pipelines/schedules/mbbl-200k.mk
