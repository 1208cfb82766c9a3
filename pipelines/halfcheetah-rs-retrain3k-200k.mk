# halfcheetah-rs-200k with one change, MBBL's data schedule: the model is retrained after every 3
# planned episodes (3,000 steps, MBBL's `timesteps_per_batch` in their random-shooting runs,
# scripts/exp_1_performance_curve/rs_1.sh) instead of every 10: 63 iterations of 3 episodes after the
# 10 random ones, 199,000 steps. Training is warm-started as in the reproduction run, where it is a
# small part of the time, so retraining three times as often costs little; the planner, the network and
# the test are the reproduction run's. An ablation of the retraining interval on the same seeds
# (docs/RESULTS.md, "HalfCheetah at MBBL's budget").
TASK := halfcheetah
METHOD := rs
PLAN_EPISODES ?= 3
ITERS ?= 63
include pipelines/schedules/mbbl-200k.mk
