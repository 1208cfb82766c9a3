# Hopper-v4 at MBBL's budget (pipelines/schedules/mbbl-200k.mk) with hopper-best's planner (random
# shooting, 500 candidates, the planning cost on a root pitch beyond ±0.1 rad) at a quarter of its
# horizon, 20 steps, and a terminal value: value-<i>.h5 fitted to the returns-to-go discounted by 0.99
# beside each model, whose γ^H·V(s_H) every plan adds (VALUE_DISCOUNT; docs/PLANNERS.md, "A terminal
# value"). What it answers: does a value of what follows the horizon keep the hopper up longer than a
# longer horizon does? Measured before it became a preset, 2026-12-07 (docs/RESULTS.md, "Hopper with a
# terminal value"): at 40,000 steps (ITERS=3, seed 0) the test's episodes lasted 148 steps and returned
# 340.8, against 105 steps and 263.6 for the same planner without the value.
HORIZON ?= 20
VALUE_DISCOUNT ?= 0.99
include pipelines/hopper-best.mk
