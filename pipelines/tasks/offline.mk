# Offline model learning on a Minari dataset: make TASK=offline DATASET=path, where path is the
# dataset's folder (e.g. ~/.minari/datasets/mujoco/halfcheetah/expert-v0), its data/ folder or its
# main_data.hdf5. `import` splits the dataset's episodes by SEED into training episodes (random.h5)
# and held-out ones (heldout.h5); the model trains on the first and eval.h5 measures its one-step and
# k-step error on the second; the test plans TEST_EPISODES episodes from the held-out episodes'
# first states (test.h5). Nothing is collected and there is no aggregation loop. docs/minari.md.
# The planner is the method's (pipelines/methods/); every variable can be overridden on the command
# line: make TASK=offline DATASET=... EPOCHS=100.

DATASET ?=
# The environment (short name, e.g. halfcheetah) when the dataset's env_spec names one the project does
# not simulate but whose spaces the data fits (e.g. HalfCheetah-v5 data as halfcheetah); empty: the
# dataset's own.
ENV ?=
# import: the share of the dataset's episodes held out for evaluation, drawn with SEED.
HELDOUT_FRACTION ?= 0.2

# train: the MuJoCo tasks' network, minibatches of 256.
BATCH_SIZE ?= 256
include pipelines/common/mujoco-network.mk

# No planning loop: the model learns from the dataset alone (the Makefile refuses another ITERS).
ITERS ?= 0
PLAN_EPISODES ?= 1
WARM_START ?= no
NEW_DATA_FRACTION ?=
INPUT_NOISE ?=
CORRECTION_HORIZON ?=

# plan (the test only): K 1000 candidates, horizon 15, from TEST_EPISODES of the held-out episodes'
# first states (there must be that many held-out episodes). PLANNER_OPTIONS can shorten the episodes,
# e.g. PLANNER_OPTIONS="--max-steps 200".
CANDIDATES ?= 1000
HORIZON ?= 15
DISCOUNT ?= 1
# VALUE_DISCOUNT (empty: none): a terminal value fitted to the returns-to-go discounted by it, beside each
# model, added to every plan's candidates (the `value` stage, plan --value; docs/PLANNERS.md).
VALUE_DISCOUNT ?=
THREADS ?=
# PITCH_LIMIT (set by the presets that use it) and its PITCH_PENALTY: plan --pitch-limit, --pitch-penalty.
PITCH_PENALTY ?=
TEST_EPISODES ?= 1
TEST_STARTS ?=

# evaluate: open-loop error up to 30 steps. (EPISODES, MAX_STEPS and HELDOUT_EPISODES are the collect
# settings of the other presets; unused here.)
MAX_K ?= 30
EPISODES ?= 0
MAX_STEPS ?=
HELDOUT_EPISODES ?= 0
