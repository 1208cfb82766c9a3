# train, the MuJoCo tasks' network (included by pipelines/tasks/halfcheetah.mk, the other MuJoCo tasks
# through it, and pipelines/tasks/offline.mk): two Linear-BatchNorm-ReLU blocks of width 200 with Adam,
# at most 60 epochs with early stopping on a tenth of the episodes. A task that trains on other
# minibatches sets BATCH_SIZE before it includes this file.
HIDDEN ?= 200
DEPTH ?= 2
BATCH_NORM ?= yes
BATCH_SIZE ?= 512
LR ?= 0.001
BETA1 ?= 0.9
BETA2 ?= 0.999
WEIGHT_DECAY ?= 0
EPOCHS ?= 60
PATIENCE ?= 10
VAL_FRACTION ?= 0.1
