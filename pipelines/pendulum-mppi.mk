# Pendulum with MPPI (Williams et al. 2017) instead of random shooting: 1024 perturbed copies of a
# warm-started nominal sequence, horizon 20, one iteration. The temperature matters most: returns
# summed over the horizon differ by tens, so λ = 1 blends many plans (swinging left and right cancel
# out, test return about -167 on seed 0); λ = 0.1 with noise σ = 1 does far better. At horizon 15 an
# episode now and then stays pushing at full torque against gravity from near the bottom (one
# episode of -1500 in 50); at 20 the plan sees far enough to swing back first.
PLANNER ?= mppi
CANDIDATES ?= 1024
HORIZON ?= 20
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= --temperature 0.1 --noise 1
include pipelines/pendulum.mk
