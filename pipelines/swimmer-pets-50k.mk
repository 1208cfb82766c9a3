# Swimmer-v4 with swimmer-discounted's iCEM (H 50, colored noise β 2) undiscounted, on PETS's ensemble
# (pipelines/methods/pets.mk: 5 members of 3 × 200 SiLU, deterministic as in the probe below, particles
# TS-∞ on the members' means) at a third of the population (100 candidates × 5 particles): on the
# 200,000 steps of swimmer-discounted seed 0, such an ensemble planned undiscounted 62.7 over the 10
# fixed test starts in 1,000 steps (two episodes above 100), where the single network needs γ 0.8 and
# stalls after its first 100 steps (the test's 41.9; docs/RESULTS.md, "Ant and Swimmer: planning under
# an ensemble"). MBBL's schedule stopped after
# 4 iterations, 50,000 steps: swimmer-discounted's learning curve was flat from its first iteration,
# and the ensemble's control step costs about three times the single network's, so 200,000 steps would
# take most of a day on this machine. What it answers: does the ensemble reach the Swimmer's ≥ 100 on
# data it collects itself?
TASK := swimmer
METHOD := pets
MODEL_OUTPUT ?= deterministic
PLANNER ?= icem
CANDIDATES ?= 100
HORIZON ?= 50
PLAN_ITERATIONS ?= 3
DISCOUNT ?= 1
PLANNER_OPTIONS ?= --elites 10 --alpha 0.1 --beta 2 --population-decay 1.25 --keep-fraction 0.3 --initial-std 0.5
ITERS ?= 4
include pipelines/schedules/mbbl-200k.mk
