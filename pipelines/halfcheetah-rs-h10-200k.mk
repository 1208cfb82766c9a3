# halfcheetah-rs-200k with one change, MBBL's planning depth: random shooting K 1000 × H 10 instead of
# H 20. MBBL's own random-shooting runs (Wang et al. 2019; their scripts/exp_1_performance_curve/rs_1.sh)
# plan 1,000 trajectories 10 steps deep; their 1000-1000 network is not taken here, since it would cost
# about ten times the planning of this preset, and their retraining after every 3,000 steps is an
# ablation of its own (halfcheetah-rs-retrain3k-200k; docs/RESULTS.md, "HalfCheetah at MBBL's budget").
# An ablation of the horizon on the same seeds as the reproduction run.
TASK := halfcheetah
METHOD := rs
HORIZON ?= 10
include pipelines/schedules/mbbl-200k.mk
