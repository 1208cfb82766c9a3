# PETS's model (Chua et al. 2018): an ensemble of 5 Gaussian MLPs (SiLU, bootstrapped, elites by
# validation error) of the task's width, planned with MPPI (pipelines/methods/mppi.mk, the task's
# temperature and noise) on particles propagated TS-∞ (each particle stays with one member; a
# candidate's return is the mean over its particles). A plan is scored under every member's view of
# the dynamics, so it cannot lean on one member's error. Sized for a 2-core machine: 3 hidden layers
# (PETS: 4), 400 candidates × 5 particles, one per member (PETS: CEM 500 × 20 particles); about 3.8
# times the arithmetic of a single-model control step. As set here, for the MuJoCo tasks: minibatches
# of 256, and the particles follow their members' means (PREDICTION = mean): there the members'
# predicted variances are too wide, and sampling from them drowns the plan in noise (docs/RESULTS.md,
# "PETS"). pipelines/pendulum-pets.mk sets Pendulum's.
MEMBERS ?= 5
MODEL_OUTPUT ?= gaussian
ACTIVATION ?= silu
ELITE_MEMBERS ?= 5
DEPTH ?= 3
BATCH_NORM ?= no
BATCH_SIZE ?= 256
WEIGHT_DECAY ?= 0.00005

CANDIDATES ?= 400
PROPAGATION ?= ts-inf
PARTICLES ?= 5
PREDICTION ?= mean
include pipelines/methods/mppi.mk
