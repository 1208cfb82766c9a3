# HalfCheetah-v4 with PETS's model (Chua et al. 2018): an ensemble of 5 Gaussian MLPs (SiLU,
# bootstrapped, elites by validation error), planned with halfcheetah-mppi's MPPI on particles
# propagated TS-∞ (each particle stays with one member and samples from its Gaussian; a candidate's
# return is the mean over its particles). The data schedule is halfcheetah-mppi's (10 random episodes,
# then 10 iterations of 2 planned episodes: 30,000 steps), so the two compare on the same budget.
# Sized for a 2-core machine: 3 hidden layers of 200 (PETS: 4), 400 candidates × 5 particles (one per
# member; PETS: CEM 500 × 20 particles): about 3.8 times the arithmetic of a single-model control
# step (2,000 rows of 23-200-200-200-34 against 1,000 of 23-200-200-17); measured at 86–97 ms per step
# on 2 threads, lightly shared. The particles
# follow their members' means (PREDICTION = mean): the members' predicted variances are too wide here,
# and sampling from them drowns the plan in noise (first 300 steps of two test starts, on the data of
# halfcheetah-mppi's seed 0: sampled particles −0.2, means 87.3, the single network 87.2).
MEMBERS ?= 5
MODEL_OUTPUT ?= gaussian
ACTIVATION ?= silu
ELITE_MEMBERS ?= 5
HIDDEN ?= 200
DEPTH ?= 3
BATCH_NORM ?= no
BATCH_SIZE ?= 256
WEIGHT_DECAY ?= 0.00005

PLANNER ?= mppi
CANDIDATES ?= 400
HORIZON ?= 20
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= --temperature 1 --noise 0.5
PROPAGATION ?= ts-inf
PARTICLES ?= 5
PREDICTION ?= mean
include pipelines/halfcheetah.mk
