# HalfCheetah-v4 at MBBL's budget with MPPI (pipelines/methods/mppi.mk, the task's temperature and
# noise) instead of random shooting, at the same cost per control step (K 1000 × H 20):
# halfcheetah-rs-200k with one change, the planner. It was the best combination until halfcheetah-best
# added the pitch cost; without it the planner flips the cheetah onto its back. What it scores, per
# seed: docs/RESULTS.md, "HalfCheetah at MBBL's budget".
TASK := halfcheetah
METHOD := mppi
include pipelines/schedules/mbbl-200k.mk
