# The single network with iCEM (Pinneri et al. 2020) instead of random shooting, with the paper's
# HalfCheetah settings where a 2-core machine allows them: horizon 30, β 0.25 (the paper's exponent
# for HalfCheetah running: nearly white noise, fast changes of the torques), 10 elites, population
# decay γ 1.25, 30% of the elites kept, momentum α 0.1, initial σ half of the half-width, 3 iterations.
# The population is 300 in the first iteration (then 240 and 192), so a control step scores about 735
# sequences of 30 steps, about what random shooting's K 1000 × H 20 costs (docs/PLANNERS.md).
PLANNER ?= icem
CANDIDATES ?= 300
HORIZON ?= 30
PLAN_ITERATIONS ?= 3
PLANNER_OPTIONS ?= --elites 10 --alpha 0.1 --beta 0.25 --population-decay 1.25 --keep-fraction 0.3 --initial-std 0.5
