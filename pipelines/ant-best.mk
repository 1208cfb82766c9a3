# Ant-v4 at MBBL's budget (pipelines/schedules/mbbl-200k.mk) counted in environment steps, as Hopper's
# (hopper-best.mk): a random ant flips over and ends its episode after about 160 steps, so 10 random
# episodes would be about 1,600 steps; 10,000 random steps, then 10,000 planned steps per iteration.
# With iCEM (pipelines/methods/icem.mk: population 300, horizon 30, 3 iterations, β 0.25), about the
# cost of a K 1000 × H 20 control step. On one learned ant model, random shooting and MPPI planned the
# all-zero torque sequence (standing still collects the healthy reward and pays no control cost); iCEM,
# which executes its best sequence instead of a weighted mean, moved the torso forward. How it was
# chosen and what it scores, per seed: docs/RESULTS.md, "The other tasks at MBBL's budget".
TASK := ant
METHOD := icem
RANDOM_STEPS ?= 10000
PLAN_STEPS ?= 10000
include pipelines/schedules/mbbl-200k.mk
