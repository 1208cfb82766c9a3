# HalfCheetah-v4, the best combination found at MBBL's budget: halfcheetah-mppi-200k (MPPI, K 1000 ×
# H 20, MBBL's schedule) with one change, a planning constraint: a predicted step whose root pitch
# leaves ±1 rad loses 10 of its planning reward (plan --pitch-limit; docs/planning-rewards.md).
# Without it the exact reward over a 1-second horizon flips the cheetah onto its back, where it runs
# slower; the test's returns are the task's reward, unchanged. Why 1 rad and what it scores, per seed:
# docs/RESULTS.md, "HalfCheetah at MBBL's budget".
TASK := halfcheetah
METHOD := mppi
PITCH_LIMIT ?= 1
include pipelines/schedules/mbbl-200k.mk
