# Pendulum with MPPI (Williams et al. 2017) instead of random shooting: 1024 perturbed copies of a
# warm-started nominal sequence, horizon 15, temperature 1, noise 0.75. Everything else as pendulum.mk.
PLANNER ?= mppi
CANDIDATES ?= 1024
HORIZON ?= 15
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= --temperature 1 --noise 0.75
include pipelines/pendulum.mk
