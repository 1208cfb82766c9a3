# Pendulum with the cross-entropy method of PETS (Chua et al. 2018) instead of random shooting:
# population 500, horizon 30, 5 iterations, 50 elites, smoothing 0.1. Everything else as pendulum.mk.
PLANNER ?= cem
CANDIDATES ?= 500
HORIZON ?= 30
PLAN_ITERATIONS ?= 5
PLANNER_OPTIONS ?= --elites 50 --alpha 0.1
include pipelines/pendulum.mk
