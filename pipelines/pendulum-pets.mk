# PETS on Pendulum (TASK=pendulum METHOD=pets), the pair's own settings: 4,000 environment steps in all
# (10 random episodes, then 2 × 5 on-policy episodes), minibatches of 64, mbrl-lib's weight decay for
# Pendulum (the method's), and particles sampled from the members' Gaussians.
TASK := pendulum
METHOD := pets
EPISODES ?= 10
ITERS ?= 2
BATCH_SIZE ?= 64
PREDICTION ?= sample
