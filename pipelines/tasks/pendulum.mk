# Pendulum-v1, the notebook's task (Nagabandi et al. 2017 with random shooting): 15 random episodes, an
# MLP 4-64-64-3 with batch norm, MPC with K 1024, H 15, the aggregation loop. What a method changes is in
# pipelines/methods/; every variable can be overridden on the command line: make EPISODES=30.

ENV ?= pendulum
# collect: random-policy episodes (the notebook collects 20; 15 keeps the training data of the whole
# loop at 6,000 steps, see below), steps per episode (empty: the environment's limit, 200)
EPISODES ?= 15
MAX_STEPS ?=
# RANDOM_STEPS: a budget of random steps in place of EPISODES (collect --steps; empty: episodes).
RANDOM_STEPS ?=

# train: the notebook's network (width 64, two Linear-BatchNorm-ReLU blocks) with Adam. The notebook
# uses lr 0.01 and beta1 0.99; lr 1e-3 with PyTorch's default betas reaches a lower validation loss on
# Pendulum and is less noisy (docs/USAGE.md, "Variables").
HIDDEN ?= 64
DEPTH ?= 2
BATCH_NORM ?= yes
BATCH_SIZE ?= 128
LR ?= 0.001
BETA1 ?= 0.9
BETA2 ?= 0.999
WEIGHT_DECAY ?= 0
EPOCHS ?= 100
PATIENCE ?= 15
VAL_FRACTION ?= 0.1

# The paper's loop: plan PLAN_EPISODES episodes with model-(i-1) (rollouts-i), retrain on the random
# data plus every rollout so far (model-i, warm-started from model-(i-1)), ITERS times. With 15 random
# episodes the training data is 15·200 + 3·5·200 = 6,000 environment steps.
ITERS ?= 3
PLAN_EPISODES ?= 5
# PLAN_STEPS: a budget of planned steps per iteration in place of PLAN_EPISODES (plan --steps, for
# tasks that terminate; empty: episodes).
PLAN_STEPS ?=
WARM_START ?= yes
NEW_DATA_FRACTION ?=
INPUT_NOISE ?=
CORRECTION_HORIZON ?=

# plan: the notebook's budget, K 1024 candidates, horizon 15, no discount (the planner is the method's).
CANDIDATES ?= 1024
HORIZON ?= 15
DISCOUNT ?= 1
# VALUE_DISCOUNT (empty: none): a terminal value fitted to the returns-to-go discounted by it, beside each
# model, added to every plan's candidates (the `value` stage, plan --value; docs/PLANNERS.md).
VALUE_DISCOUNT ?=
THREADS ?=
# PITCH_LIMIT (set by the presets that use it) and its PITCH_PENALTY: plan --pitch-limit, --pitch-penalty.
PITCH_PENALTY ?=
# MPPI's temperature λ and noise σ on Pendulum (methods mppi and pets): returns summed over the horizon
# differ by tens, so λ 1 blends many plans (swinging left and right cancel out); λ 0.1 with σ 1 does
# far better (docs/RESULTS.md).
MPPI_OPTIONS ?= --temperature 0.1 --noise 1

# test and evaluate: 50 episodes from fixed starts with the final model; model error on 10 random
# episodes collected with another seed; open-loop error up to 30 steps.
TEST_EPISODES ?= 50
TEST_STARTS ?= pipelines/pendulum-test-starts.h5
HELDOUT_EPISODES ?= 10
MAX_K ?= 30
