# Pendulum with PETS (Chua et al. 2018): an ensemble of 5 Gaussian MLPs (SiLU, bootstrapped, elites
# by validation error) and MPPI on particles propagated TS-∞ (each particle stays with one member and
# samples from its Gaussian; a candidate's return is the mean over its particles). A plan is scored
# under every member's view of the dynamics, so it cannot lean on one member's error, which is what
# sent an episode of the single-model MPPI preset to −1,501 (pushing at full torque near the bottom).
# Sized for a 2-core machine: 4,000 environment steps in all (10 random episodes, then 2 × 5
# on-policy episodes), width 64, 400 candidates × 5 particles.
ENV ?= pendulum
EPISODES ?= 10
ITERS ?= 2
PLAN_EPISODES ?= 5

# train: 5 members, 3 hidden SiLU layers of 64, Gaussian outputs, no batch norm; mbrl-lib's
# weight decay for Pendulum.
MEMBERS ?= 5
MODEL_OUTPUT ?= gaussian
ACTIVATION ?= silu
ELITE_MEMBERS ?= 5
HIDDEN ?= 64
DEPTH ?= 3
BATCH_NORM ?= no
BATCH_SIZE ?= 64
WEIGHT_DECAY ?= 0.00005

# plan: MPPI as in pendulum-mppi (λ 0.1, σ 1, horizon 20), 400 candidates, 5 particles TS-∞.
PLANNER ?= mppi
CANDIDATES ?= 400
HORIZON ?= 20
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= --temperature 0.1 --noise 1
PROPAGATION ?= ts-inf
PARTICLES ?= 5
PREDICTION ?= sample
include pipelines/pendulum.mk
