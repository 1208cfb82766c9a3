# HalfCheetah-v4: halfcheetah-pets-200k stopped after 100,000 environment steps (9 iterations instead of
# 19), as halfcheetah-best-100k is halfcheetah-best stopped there. Its first 9 iterations are those of
# halfcheetah-pets-200k with the same SEED, file for file (nothing before the test depends on ITERS), so
# a copy of that run's folder with its stamps, once its model-9.h5 exists, skips them; the test then
# plans with model-9.h5 from the same fixed starts. What it answers: what the ensemble reaches at half
# of MBBL's budget, beside halfcheetah-best-100k, for 9 of the 200,000-step run's 19 iterations (the
# cheaper ones: the training grows with the data).
PITCH_LIMIT ?= 1
ITERS ?= 9
TASK := halfcheetah
METHOD := pets
include pipelines/schedules/mbbl-200k.mk
