# The single network with MPPI (Williams et al. 2017) instead of random shooting: the task's CANDIDATES
# perturbed copies of a warm-started nominal sequence, horizon 20, one iteration, so a control step
# costs what random shooting's costs; the temperature and the noise are the task's (MPPI_OPTIONS in
# pipelines/tasks/). At horizon 15 a Pendulum episode now and then stays pushing at full torque
# against gravity from near the bottom; at 20 the plan sees far enough to swing back first.
PLANNER ?= mppi
HORIZON ?= 20
PLAN_ITERATIONS ?= 1
PLANNER_OPTIONS ?= $(MPPI_OPTIONS)
