# Swimmer-v4 at MBBL's budget (pipelines/schedules/mbbl-200k.mk) with iCEM (pipelines/methods/icem.mk) at
# horizon 50, colored noise β 2 and the planner's discount γ 0.8 on the rewards along the horizon. On
# the learned model of a 30,000-step swimmer-best run (seed 0, 2 fixed test starts, 1,000 steps;
# docs/ablations/swimmer-discount-1000.txt) it scored 53.9, against 25.8 for swimmer-best's MPPI
# K 1000 × H 20; undiscounted, iCEM at H 50 and H 100 scored below that MPPI on the same model
# (swimmer-discount.txt, 300 steps). The far steps of a long horizon, which the model predicts worst,
# no longer decide the plan (docs/RESULTS.md, "A terminal value, and the discount on long horizons").
# A candidate, not yet swimmer-best: one model, two starts.
TASK := swimmer
METHOD := icem
HORIZON ?= 50
DISCOUNT ?= 0.8
PLANNER_OPTIONS ?= --elites 10 --alpha 0.1 --beta 2 --population-decay 1.25 --keep-fraction 0.3 --initial-std 0.5
include pipelines/schedules/mbbl-200k.mk
