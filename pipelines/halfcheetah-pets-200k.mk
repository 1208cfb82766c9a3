# HalfCheetah-v4 at MBBL's budget (pipelines/schedules/mbbl-200k.mk) with halfcheetah-best's planner
# (MPPI, the task's temperature and noise, the planning cost on a root pitch beyond ±1 rad) on PETS's
# model instead of the single network (pipelines/methods/pets.mk: 5 Gaussian SiLU members of 3 × 200,
# 400 candidates × 5 particles TS-∞ on the members' means): the same loop, data and planner, so its
# row beside halfcheetah-best's says what the ensemble adds at this budget, and what it costs in wall
# time on this machine.
TASK := halfcheetah
METHOD := pets
PITCH_LIMIT ?= 1
include pipelines/schedules/mbbl-200k.mk
