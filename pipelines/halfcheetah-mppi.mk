# HalfCheetah-v4 with MPPI (Williams et al. 2017) on the learned model instead of random shooting: 1000
# perturbed copies of a warm-started nominal sequence, horizon 20, one iteration, so a control step
# costs what random shooting's costs. Noise σ 0.5 in the actions' [-1, 1]; temperature λ 1 (returns
# over 20 steps differ by tens between candidates, so the weights single out a few good ones).
PLANNER ?= mppi
CANDIDATES ?= 1000
HORIZON ?= 20
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= --temperature 1 --noise 0.5
include pipelines/halfcheetah.mk
