# Pendulum with MPPI (Williams et al. 2017) instead of random shooting: 1024 perturbed copies of a
# warm-started nominal sequence, horizon 15, one iteration. The temperature matters most: returns
# summed over the horizon differ by tens, so λ = 1 blends many plans (swinging left and right cancel
# out, test return about -167 on seed 0); λ = 0.1 with noise σ = 1 reaches about -146.
PLANNER ?= mppi
CANDIDATES ?= 1024
HORIZON ?= 15
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= --temperature 0.1 --noise 1
include pipelines/pendulum.mk
