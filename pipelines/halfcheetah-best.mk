# HalfCheetah-v4, the best combination found so far at MBBL's budget: halfcheetah-rs-200k with one
# change, the planner: MPPI (pipelines/methods/mppi.mk, the task's temperature and noise) instead of
# random shooting, at the same cost per control step (K 1000 × H 20). How it was chosen and what it
# scores, per seed: docs/RESULTS.md, "HalfCheetah at MBBL's budget".
TASK := halfcheetah
METHOD := mppi
include pipelines/schedules/mbbl-200k.mk
