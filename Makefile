# Model-based RL as a reproducible pipeline: each stage is an executable, each output a file in the
# run folder $(DATA)/$(PIPELINE)/seed-$(SEED)/, rebuilt only when its inputs, its parameters or its
# program change. See README.md and docs/USAGE.md.
#
#   make                 the whole pipeline for TASK and METHOD (or PIPELINE) and SEED
#   make settings        every setting as it resolves, and each stage's parameters
#   make test            the test suite
#   make collect | stats | train | plan | evaluate   one stage (and what it needs)
#   make sweep [GRID=...] [SCHEDULER=slurm]   several seeds and grid points, locally or on SLURM
#   make build | deps | clean | format-check

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

# ---- settings ---------------------------------------------------------------------------------------
# Settings come from the command line (make SEED=3) or the preset, never from the environment: DATA
# decides where outputs go and what `clean` and `distclean` delete, and a stray exported LR or ENV must
# not change a run. A setting found in the environment is ignored, with a warning.
location_settings := DATA PIPELINE TASK METHOD SEED SEEDS ARCHIVES GRID POINT SCHEDULER TARGET_CPU PREBUILT \
  SLURM_PARTITION SLURM_TIME SLURM_CPUS SLURM_MEM SLURM_OPTIONS SLURM_MAX_RUNNING SLURM_POLL
preset_settings := $(sort $(shell sed -n 's/^\([A-Z][A-Z0-9_]*\) *?=.*/\1/p' pipelines/*.mk pipelines/*/*.mk))
$(foreach v,$(location_settings) $(preset_settings),$(if $(filter environment,$(origin $(v))),\
  $(warning ignoring $(v) from the environment; settings come from the command line: make $(v)=...)$(eval undefine $(v))))

DATA ?= data
SEED ?= 0

# ---- every setting is checked before anything runs ---------------------------------------------------
# A setting is data: it is never executed. A value given on the command line may not hold '$' (Make
# would expand it), and every setting a preset or the command line gives is made of the characters
# below, so that no value can quote its way out of a shell command or glob into other files; the
# checks are Make functions, not shell commands. Settings that are lists (of words) may hold spaces.
# Then each setting with a fixed form (a seed, a count, a grid point) is checked for that form.
empty :=
space := $(empty) $(empty)
comma := ,
# $(call sq,text): text as one single-quoted shell word.
sq = '$(subst ','\'',$(1))'
safe_chars := a b c d e f g h i j k l m n o p q r s t u v w x y z A B C D E F G H I J K L M N O P Q R S \
  T U V W X Y Z 0 1 2 3 4 5 6 7 8 9 . _ - / + , : = @ %
digits := 0 1 2 3 4 5 6 7 8 9
# $(call without,text,chars): text with every character of the list chars removed.
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
list_settings := SEEDS GRID PLANNER_OPTIONS MPPI_OPTIONS SLURM_OPTIONS
# $(call check-settings,names): the checks above, for the settings named.
check-settings = $(foreach v,$(1),$(if $(filter command line,$(origin $(v))),\
  $(if $(findstring $$,$(value $(v))),$(error $(v) holds '$$': a setting is a plain value, not a Make expression))))\
  $(foreach v,$(1),$(if $(strip $(call without,$(subst $(space),,$($(v))),$(safe_chars))),\
    $(error $(v)='$($(v))' holds '$(strip $(call without,$(subst $(space),,$($(v))),$(safe_chars)))': a setting may hold only letters, digits and . _ - / + , : = @ %)))\
  $(foreach v,$(filter-out $(list_settings),$(1)),\
    $(if $(word 2,$($(v))),$(error $(v)='$($(v))' holds a space: it is one value (a path may not contain spaces))))
# Every variable the command line sets is checked here (preset variables as well); the presets' own
# values once the preset is read.
$(call check-settings,$(location_settings) ARCHIVE HASH TORCH_PYTHON $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v))))
ifeq ($(strip $(DATA)),)
$(error DATA is empty; give a folder for the runs, e.g. make DATA=data)
endif
# $(call is-seed,value): non-empty when value is a seed in its one canonical form: decimal digits, no
# leading zero, at most 12 digits (so SEED × 100 + iteration and SEED + 1000000 stay exact everywhere).
# $(call spell-out,text,chars): text with a space after each of the listed characters.
spell-out = $(if $(2),$(call spell-out,$(subst $(firstword $(2)),$(firstword $(2)) ,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
is-seed = $(and $(1),$(if $(word 2,$(1)),,yes),$(if $(call without,$(1),$(digits)),,yes),$(if $(filter 0%,$(1)),$(filter 0,$(1)),yes),$(if $(word 13,$(call spell-out,$(1),$(digits))),,yes))
$(if $(call is-seed,$(SEED)),,$(error SEED must be a whole number from 0 to 999999999999 without leading zeros, got '$(SEED)'))

# ---- the preset: a task and a method ---------------------------------------------------------------
# A run's settings come from its task (pipelines/tasks/<TASK>.mk: the environment, the data, the
# network and its training, the planning budget, the test) and its method (pipelines/methods/<METHOD>.mk:
# the model and the planner), chosen separately: make TASK=hopper METHOD=pets. Its name, PIPELINE, is
# <task>-<method> (the task alone for METHOD=rs, the paper's) and names its folder DATA/PIPELINE. A
# named pipeline pipelines/<PIPELINE>.mk sets TASK and METHOD and the pair's own settings; it is read
# for that pair whichever way it is chosen, so make PIPELINE=pendulum-pets and make TASK=pendulum
# METHOD=pets are the same run. Files are read most specific first, and the first value of a
# variable wins (?=): the command line (and POINT), the named pipeline, the method, the task.
tasks := $(basename $(notdir $(wildcard pipelines/tasks/*.mk)))
methods := $(basename $(notdir $(wildcard pipelines/methods/*.mk)))
named_pipelines := $(basename $(notdir $(wildcard pipelines/*.mk)))
# Every pipeline name: the named ones, and each task with each method.
presets := $(sort $(named_pipelines) $(tasks) $(foreach t,$(tasks),$(foreach m,$(filter-out rs,$(methods)),$(t)-$(m))))
check-task-and-method = $(if $(filter $(TASK),$(tasks)),,$(error unknown TASK '$(TASK)': no pipelines/tasks/$(TASK).mk (tasks: $(tasks))))$(if \
  $(filter $(METHOD),$(methods)),,$(error unknown METHOD '$(METHOD)': no pipelines/methods/$(METHOD).mk (methods: $(methods))))
$(foreach v,PIPELINE TASK METHOD,$(if $(findstring /,$($(v))),$(error $(v) '$($(v))' holds '/': it is a name, not a path)))
ifneq ($(filter command line,$(origin PIPELINE)),)
ifneq ($(filter command line,$(origin TASK) $(origin METHOD)),)
$(error give PIPELINE, or TASK and METHOD, not both)
endif
else
TASK ?= pendulum
METHOD ?= rs
$(check-task-and-method)
PIPELINE := $(TASK)$(if $(filter-out rs,$(METHOD)),-$(METHOD))
endif
ifneq ($(words $(PIPELINE)),1)
$(error PIPELINE must be one preset's name, got '$(PIPELINE)')
endif
pipeline_parts := $(subst -, ,$(PIPELINE))
ifneq ($(filter $(PIPELINE),$(named_pipelines)),)
include pipelines/$(PIPELINE).mk
else ifneq ($(filter $(PIPELINE),$(tasks)),)
TASK := $(PIPELINE)
METHOD := rs
else ifneq ($(and $(filter $(word 1,$(pipeline_parts)),$(tasks)),$(filter $(word 2,$(pipeline_parts)),$(methods)),$(if $(word 3,$(pipeline_parts)),,yes)),)
TASK := $(word 1,$(pipeline_parts))
METHOD := $(word 2,$(pipeline_parts))
else
$(error unknown PIPELINE '$(PIPELINE)': no pipelines/$(PIPELINE).mk, and not <task>-<method> (tasks: $(tasks); methods: $(methods)))
endif
$(check-task-and-method)

include pipelines/methods/$(METHOD).mk
include pipelines/tasks/$(TASK).mk

# The programs: `native` (this machine's CPU) in .build/release, or a portable build for an instruction
# set every node of a cluster has (TARGET_CPU=x86-64-v3) in .build/cpu-<TARGET_CPU>/release. A sweep
# on SLURM uses PORTABLE_CPU unless TARGET_CPU is given. PREBUILT=yes: never build, use the programs
# as they are (a sweep's tasks run so; the build happens once, before submitting).
PORTABLE_CPU := $(if $(filter x86_64,$(shell uname -m)),x86-64-v3,$(if $(filter aarch64,$(shell uname -m)),armv8-a,native))
TARGET_CPU ?= $(if $(filter slurm,$(SCHEDULER)),$(PORTABLE_CPU),native)
ifeq ($(shell [[ '$(TARGET_CPU)' =~ ^[A-Za-z0-9._-]+$$ ]] && echo ok),)
$(error TARGET_CPU '$(TARGET_CPU)' is not a CPU name, e.g. native or x86-64-v3)
endif
build_dir := $(if $(filter native,$(TARGET_CPU)),.build,.build/cpu-$(TARGET_CPU))
BIN := $(build_dir)/release
STAGES := collect stats train plan evaluate value
PROGRAMS := $(STAGES) import export summarize report bench verify-archive sweep-grid
# ---- grid points: sweep-grid -------------------------------------------------------------------------
# Grid expansion, grid points' names and a sweep's list of runs are sweep-grid's (Sources/MBRLSweeps,
# with its unit tests), for Make and scripts/slurm-sweep alike. Make writes what it hands over into
# files with its own file function and reads the program's answer from the file it writes: no value
# passes through a shell. $(call sweep-grid,mode,inputs): `sweep-grid <mode>` with --<input>-from FILE
# for each input (holding the value of sweep_grid_<input>); its answer, or Make stops with its one line.
define newline


endef
sweep_grid_program := $(BIN)/sweep-grid
sweep_grid_variables = $(preset_settings)
sweep_grid_command-line = $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))
sweep-grid = $(eval sweep_grid_dir := $(shell mktemp -d $(BIN)/.sweep-grid.XXXXXX))$(if $(sweep_grid_dir),,$(error \
  cannot make a temporary folder in $(BIN)))$(strip $(foreach i,$(2),$(file >$(sweep_grid_dir)/$(i),$(sweep_grid_$(i)))))$(eval \
  sweep_grid_error := $(shell $(sweep_grid_program) $(1) $(foreach i,$(2),--$(i)-from $(sweep_grid_dir)/$(i)) \
  --out $(sweep_grid_dir)/answer 2>&1))$(if $(filter 0,$(.SHELLSTATUS)),$(file <$(sweep_grid_dir)/answer)$(shell \
  rm -rf $(sweep_grid_dir)),$(shell rm -rf $(sweep_grid_dir))$(error $(sweep_grid_error)))
# Before the first build sweep-grid does not exist yet. When this make builds before it does anything
# else (a goal that needs the programs, not PREBUILT, and not the lock's outer make, which creates the
# run folder), the grid waits for the build (sweep_grid_pending: nothing is written meanwhile) and Make
# starts again with it; otherwise Make stops.
goals := $(or $(MAKECMDGOALS),all)
housekeeping := deps test-deps clean clean-runs distclean help verify-archive sweep-status sweep-wait sweep-cancel bench-venv bench-table settings \
  format-check
pipeline_goals := $(filter-out $(housekeeping) print-%,$(goals))
dry_run := $(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS)))
run_goals := all collect stats train plan evaluate report archive
sweep_goals := sweep report-sweep sweep-table sweep-page
ifeq ($(wildcard $(sweep_grid_program)),)
ifneq ($(POINT)$(filter $(sweep_goals),$(goals)),)
ifneq ($(and $(pipeline_goals),$(if $(filter yes,$(PREBUILT)),,yes),$(or $(dry_run),$(MBRL_LOCKED_RUN),$(if $(filter $(run_goals),$(goals))$(findstring /,$(goals)),,yes))),)
sweep_grid_pending := yes
else
$(error $(if $(POINT),POINT,A sweep) needs $(sweep_grid_program), which is not built: make build$(if $(filter-out native,$(TARGET_CPU)), TARGET_CPU=$(TARGET_CPU)) first)
endif
endif
endif

# POINT=HORIZON-20+LR-3e-4 (as `make sweep GRID=...` names them): one grid point's settings, VAR-value
# for preset variables, sorted by name and joined by + (sweep-grid point checks it). It sets those
# variables and puts the run in $(DATA)/$(PIPELINE)/<POINT>/seed-$(SEED), so grid points sit side by
# side; without POINT the run is $(DATA)/$(PIPELINE)/seed-$(SEED). A value is letters, digits, '.', '_'
# and '-'.
ifneq ($(POINT),)
ifeq ($(sweep_grid_pending),)
sweep_grid_point = $(POINT)
$(foreach s,$(call sweep-grid,point,point variables command-line),\
  $(eval override $(firstword $(subst =, ,$(s))) := $(word 2,$(subst =, ,$(s)))))
endif
ifneq ($(filter archive,$(MAKECMDGOALS)),)
$(error make archive packs a preset's seed-<n> folder; a grid point's run cannot be archived yet)
endif
endif

$(call check-settings,$(preset_settings))
numbers := $(shell seq 0 100)
ifeq ($(filter $(ITERS),$(numbers)),)
$(error ITERS must be a whole number from 0 to 100, got '$(ITERS)')
endif
# A step budget, when set, is a whole number of steps (at least 1) and replaces a number of episodes
# given with it on the command line, which would otherwise go unused; a pitch penalty needs its limit.
# Checked before anything runs, so a run stops here rather than at `plan`, after its data and first model.
$(foreach v,RANDOM_STEPS:EPISODES PLAN_STEPS:PLAN_EPISODES,$(eval steps_var := $(word 1,$(subst :, ,$(v))))$(eval \
  episodes_var := $(word 2,$(subst :, ,$(v))))$(if $($(steps_var)),$(if $(and $(call is-seed,$($(steps_var))),$(filter-out \
  0,$($(steps_var)))),,$(error $(steps_var) must be a whole number of steps of at least 1 (or empty: episodes), got \
  '$($(steps_var))'))$(if $(filter command line,$(origin $(episodes_var))),$(error $(episodes_var)=$($(episodes_var)) \
  would go unused: $(steps_var)=$($(steps_var)) counts these data in steps (give $(steps_var)= to count episodes)))))
$(if $(and $(PITCH_PENALTY),$(if $(PITCH_LIMIT)$(findstring --pitch-limit,$(PLANNER_OPTIONS)),,yes)),\
  $(error PITCH_PENALTY needs PITCH_LIMIT: the penalty is what a predicted step beyond the limit loses))

run := $(DATA)/$(PIPELINE)/$(if $(POINT),$(POINT)/)seed-$(SEED)
# A run folder (or its preset's or grid point's folder) that is a symbolic link would make this run
# write into another one: refused. DATA itself may be a link.
$(foreach d,$(DATA)/$(PIPELINE) $(if $(POINT),$(DATA)/$(PIPELINE)/$(POINT)) $(run),$(if $(shell [ -L $(d) ] && echo link),\
  $(error $(d) is a symbolic link: a run folder must be its own folder, not another run's (remove the link))))
# Every run folder Make writes holds this file: it marks the folder as Make's (`clean` and `distclean`
# delete only folders that carry it) and is the lock that keeps two `make` runs out of one folder.
run_marker := .mbrl-run
# Programs whose outputs are not stage outputs (hashes not tracked): summarize, report, bench.
SOURCES := Package.swift $(shell find Sources -name '*.swift' -o -name '*.h' -o -name '*.modulemap')

.PHONY: FORCE all build deps test test-deps format-check clean clean-runs distclean collect stats train plan evaluate sweep bench bench-venv bench-table report \
  report-sweep sweep-table sweep-page sweep-status sweep-wait sweep-cancel archive verify-archive results-table learning-curves keep-results settings

# ---- one make per run folder --------------------------------------------------------------------------
# Goals that write into the run folder run under a lock on $(run)/$(run_marker) (flock): Make starts
# itself again inside the lock, so a second `make` on the same folder waits for the first (and says so)
# instead of interleaving with it; parameters files and outputs then always agree. Dry runs (-n, -q)
# write nothing and take no lock.
ifeq ($(and $(filter $(run_goals) $(run)/%,$(goals)),$(if $(dry_run),,yes),$(if $(filter $(abspath $(run)),$(MBRL_LOCKED_RUN)),,yes)),yes)

$(firstword $(goals)):
	@mkdir -p $(run) && { [ -f $(run)/$(run_marker) ] || echo "A run folder of the mbrl pipeline (made by make)." > $(run)/$(run_marker); }
	@flock -n -E 75 $(run)/$(run_marker) $(MAKE) --no-print-directory $(MAKECMDGOALS) MBRL_LOCKED_RUN=$(abspath $(run)); status=$$?; \
	if [ $$status = 75 ]; then \
	  echo "make: $(run) is in use by another make; waiting for it to finish" >&2; \
	  flock $(run)/$(run_marker) $(MAKE) --no-print-directory $(MAKECMDGOALS) MBRL_LOCKED_RUN=$(abspath $(run)); \
	else exit $$status; fi
$(filter-out $(firstword $(goals)),$(goals)):
	@:

else

all: $(run)/eval.h5

# ---- native libraries and the build ---------------------------------------------------------------

# Goals that need neither the build nor a run folder: housekeeping (above).

# Installs the C libraries (and objcopy, for the program hashes) through apt-get when they are
# missing (needs root, as in CI).
deps:
	@if ! pkg-config --exists hdf5 openblas 2>/dev/null || ! command -v objcopy >/dev/null || [ ! -f /usr/include/mujoco/mujoco.h ]; then \
	  echo "deps: installing libhdf5-dev libopenblas-dev libmujoco-dev pkg-config binutils"; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: run 'sudo make deps' (apt-get needs root)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhdf5-dev libopenblas-dev libmujoco-dev pkg-config binutils >/dev/null; \
	fi

# The release build, and the content hash of each stage's program. This file is included below, so
# Make rebuilds it first whenever a source changed and then restarts with the new hashes; a program
# whose code did not change keeps its hash, and its outputs stay up to date. The hash leaves out the
# debug information, the build id and the Swift module hash, which depend on the checkout's path.
# It is written under a temporary name and renamed, so a concurrent make never reads half of it. The
# build's progress goes to stderr, so that what a target prints on stdout (make results-table > file,
# scripts/update-results) is its output alone, whether or not it had to build first.
ifeq ($(PREBUILT),yes)
$(BIN)/programs.mk:
	@echo "make: $@ is missing and PREBUILT=yes: build first (make build TARGET_CPU=$(TARGET_CPU))" >&2; exit 1
else
# An incremental build must never leave a program compiled against an older build of the libraries:
# SwiftPM's incremental release build can skip recompiling a program whose sources did not change after
# a library it imports did, and with cross-module optimization its objects then hold the library's old
# layouts (seen: `stats` crashing in OptionGroup after a new type in MBRLCommandLine). Any program with
# an object file older than one of the modules it was compiled against (the .swiftmodule files its
# dependency file lists) has its object files and executable removed, and a second build compiles and
# links it again. (Comparing with the libraries' object files instead flags programs on a full rebuild,
# where a library's objects can be written after the programs compiled against its module.)
swift_build = MBRL_TARGET_CPU=$(TARGET_CPU) swift build -c release$(if $(filter native,$(TARGET_CPU)),, --scratch-path $(build_dir))
$(BIN)/programs.mk: $(SOURCES) $(if $(wildcard $(sweep_grid_program)),,FORCE) | deps
	@$(swift_build) >&2
	@stale=; for p in $(PROGRAMS); do b=$(BIN)/$${p//-/_}.build; \
	  modules=$$(cat $$b/*.d 2>/dev/null | grep -o '[^ ]*/Modules/[A-Za-z0-9_]*\.swiftmodule' | sort -u); \
	  oldest=$$(find $$b -name '*.o' -printf '%T@ %p\n' 2>/dev/null | sort -n | head -n 1 | cut -d' ' -f2-); \
	  if [ -n "$$modules" ] && [ -n "$$oldest" ] && [ -n "$$(find $$modules -newer "$$oldest" -print -quit 2>/dev/null)" ]; then \
	    stale="$$stale $$p"; find $$b -name '*.o' -delete; rm -f $(BIN)/$$p; fi; \
	done; if [ -n "$$stale" ]; then echo "build: compiling$$stale again (built against an older build of the libraries)" >&2; $(swift_build) >&2; fi
	@for s in $(STAGES) report; do \
	  objcopy --strip-debug --remove-section=.note.gnu.build-id --remove-section=.swift_modhash $(BIN)/$$s $(BIN)/.$$s.hashed.$$$$; \
	  printf 'program_%s := %s\n' $$s "$$(sha256sum < $(BIN)/.$$s.hashed.$$$$ | cut -c1-16)"; rm -f $(BIN)/.$$s.hashed.$$$$; \
	done > $@.tmp-$$$$ && mv -f $@.tmp-$$$$ $@
endif

ifneq ($(pipeline_goals),)
include $(BIN)/programs.mk
endif

build: $(BIN)/programs.mk

# ---- parameters files -------------------------------------------------------------------------------
# $(run)/params/<name> holds the parameters of one kind of output and its program's hash, one line. It
# is written while Make reads this file (with Make's own file function: no shell sees the values), and
# only when its text changes; a failure to write it stops the run. It is what the stamps below record.

# Each stage's settings are declared once, in the lists below: one entry per setting,
# VARIABLE:option[:form], in the order of the program's command line. From a list come both the options
# on the command line ($(call args,list)) and the parameters text ($(call params,list), `option=value`
# with the option's dashes as underscores), so a new option is one entry here plus its default in the
# presets (pipelines/). The forms:
#   (none)    --option VALUE, recorded as option=VALUE
#   optional  left off the command line when empty (the program's default applies), recorded either way
#   if-set    only when not empty, on the command line and in the parameters (so the parameters of runs
#             that do not use it read as before it existed)
#   yes-no    --option for yes, --no-option otherwise; recorded as the value
#   flag      the value is the flag's name (--VALUE), only when not empty; recorded as option=VALUE
#   words     the value's words as they are, on the command line and in the parameters (PLANNER_OPTIONS)
#   path      --option 'VALUE' (one shell word), recorded as option=VALUE
#   param     recorded only: not an option of the program (what it changes reaches the program another
#             way, e.g. ITERS through the list of rollouts)
option_forms := optional if-set yes-no flag words path param
entry_var = $(word 1,$(subst :, ,$(1)))
entry_option = $(word 2,$(subst :, ,$(1)))
entry_form = $(word 3,$(subst :, ,$(1)))
arg_ = --$(2) $($(1))
arg_optional = $(if $($(1)),--$(2) $($(1)))
arg_if-set = $(if $($(1)),--$(2) $($(1)))
arg_yes-no = $(if $(filter yes,$($(1))),--$(2),--no-$(2))
arg_flag = $(if $($(1)),--$($(1)))
arg_words = $($(1))
arg_path = --$(2) $(call sq,$($(1)))
arg_param =
param_ = $(subst -,_,$(2))=$($(1))
param_optional = $(param_)
param_if-set = $(if $($(1)),$(param_))
param_yes-no = $(param_)
param_flag = $(if $($(1)),$(param_))
param_words = $($(1))
param_path = $(param_)
param_param = $(param_)
# $(call args,list): the options of list on a program's command line; $(call params,list): their
# parameters text.
args = $(strip $(foreach e,$(options_$(1)),$(call arg_$(call entry_form,$(e)),$(call entry_var,$(e)),$(call entry_option,$(e)))))
params = $(strip $(foreach e,$(options_$(1)),$(call param_$(call entry_form,$(e)),$(call entry_var,$(e)),$(call entry_option,$(e)))))

# collect (random.h5) and the held-out data (heldout.h5, another seed and no step limit).
# RANDOM_STEPS, PLAN_STEPS: a budget of steps in place of EPISODES, PLAN_EPISODES (collect, plan --steps;
# a program takes one or the other, chosen here, so the parameters of runs without them read as before).
options_collect := ENV:env $(if $(RANDOM_STEPS),RANDOM_STEPS:steps,EPISODES:episodes) MAX_STEPS:max-steps:optional \
  SEED:seed
options_heldout := ENV:env HELDOUT_EPISODES:episodes heldout_seed:seed
# train (model-0); the ensemble settings (PETS) only when a preset sets them.
options_train := HIDDEN:hidden DEPTH:depth BATCH_NORM:batch-norm:yes-no BATCH_SIZE:batch-size LR:lr BETA1:beta1 \
  BETA2:beta2 WEIGHT_DECAY:weight-decay EPOCHS:epochs PATIENCE:patience VAL_FRACTION:val-fraction SEED:seed \
  MEMBERS:members:if-set MODEL_OUTPUT:output:flag ACTIVATION:activation:if-set ELITE_MEMBERS:elite-members:if-set \
  INPUT_NOISE:input-noise:if-set CORRECTION_HORIZON:correction-horizon:if-set
# model-1 ... model-ITERS: training plus how the data are aggregated (WARM_START: --init, per iteration).
options_aggregate := NEW_DATA_FRACTION:new-data-fraction:optional WARM_START:warm-start:param
# plan (rollouts and the test): the planner. Its parameters text is its command line (as it always was).
# THREADS changes how fast plan and train run, never what they write: it is not a parameter (plan_threads,
# train_threads).
options_planner := PLANNER:planner CANDIDATES:candidates HORIZON:horizon DISCOUNT:discount \
  PLAN_ITERATIONS:iterations:if-set PLANNER_OPTIONS:options:words PROPAGATION:propagation:if-set \
  PARTICLES:particles:if-set PREDICTION:prediction:if-set PRECISION:precision:if-set \
  PITCH_LIMIT:pitch-limit:if-set PITCH_PENALTY:pitch-penalty:if-set
options_plan := $(if $(PLAN_STEPS),PLAN_STEPS:steps,PLAN_EPISODES:episodes)
options_test := TEST_EPISODES:episodes TEST_STARTS:starts:param test_starts_sha256:starts_sha256:param
options_evaluate := MAX_K:max-k ITERS:iters:param
# value (VALUE_DISCOUNT given): a terminal value beside each model, fitted on the same data (value-<i>.h5 next
# to model-<i>.h5), which every plan with that model adds (plan --value). Runs without it keep their
# parameters, stamps and files as before: the files and options below exist only when it is set.
options_value := VALUE_DISCOUNT:discount SEED:seed
# import (DATASET given: random.h5, heldout.h5 and test-starts.h5 from a Minari dataset).
options_import := dataset_path:dataset:path dataset_sha256:sha256:param ENV:env:optional \
  HELDOUT_FRACTION:heldout-fraction SEED:seed
test_starts_sha256 = $(firstword $(shell sha256sum -- $(TEST_STARTS) 2>/dev/null))
heldout_seed := $(shell echo $$(( $(SEED) + 1000000 )))
$(foreach l,collect heldout train aggregate planner plan test evaluate value import,$(foreach e,$(options_$(l)),$(if $(filter-out \
  $(option_forms),$(call entry_form,$(e))),$(error options_$(l): $(e) has no form '$(call entry_form,$(e))' (forms: $(option_forms))))))

params_collect = $(call params,collect)
params_stats =
params_train = $(call params,train)
params_aggregate = $(call params,train) $(call params,aggregate)
params_plan = $(call args,planner) $(call params,plan)
params_test = $(call args,planner) $(call params,test)
params_heldout = $(call params,heldout)
params_evaluate = $(call params,evaluate)
params_report =
params_value = $(call params,value)

# Which program each parameters file belongs to.
program_of_test = plan
program_of_heldout = collect
program_of_aggregate = train
param_files := collect stats train aggregate plan test heldout evaluate report $(if $(VALUE_DISCOUNT),value)
# $(call value_of,i): the value file of model-<i> when VALUE_DISCOUNT is set, else nothing; value_arg: plan's option.
value_of = $(if $(VALUE_DISCOUNT),value-$(1).h5)
value_arg = $(if $(VALUE_DISCOUNT),--value value-$(1).h5)
# The text of $(run)/params/<name>.
params-text = $(strip $(params_$(1)) program=$(program_$(or $(program_of_$(1)),$(1))))

# ---- what is current: content and settings, not clocks ------------------------------------------------
# Every output of the run is registered with the parameters file it is made with and the outputs it is
# made from ($(call output,name,params,inputs)). When its stage succeeds, Make writes its stamp:
# stamps/<name>.params (the parameters text it was made with) and stamps/<name>.sha256 (the SHA-256 of the
# output, then of each input, as sha256sum writes them). While Make reads this file it decides, for
# every output in the order of the loop, whether it is current: it exists, its stamp's parameters are
# today's, the output and each input still have the recorded content, and no input is about to be
# remade. An output that is not current is remade whatever the file times say; file times decide
# nothing (inputs are order-only prerequisites), so a clock-skewed file, a restored copy (cp -p,
# rsync -a) or a changed setting cannot make a stale output look current. `make -n` and `make -q` make
# the same decision and write nothing.
outputs :=
output = $(eval outputs += $(1))$(eval params_of_$(1) := $(2))$(eval inputs_of_$(1) := $(3))
# The recipe's last line: the stamp of $(1), each file under a temporary name, then renamed.
stamp = @cd $(run) && mkdir -p stamps && sha256sum -- $(1) $(inputs_of_$(1)) > stamps/.$(1).sha256.tmp-$$$$ \
  && mv -f stamps/.$(1).sha256.tmp-$$$$ stamps/$(1).sha256 && cp params/$(params_of_$(1)) stamps/.$(1).params.tmp-$$$$ \
  && mv -f stamps/.$(1).params.tmp-$$$$ stamps/$(1).params
# $(call equal,a,b): non-empty when the two texts are equal.
equal = $(and $(findstring $(1),$(2)),$(findstring $(2),$(1)))$(if $(1)$(2),,yes)
# $(call why-stale,name): empty when the output is current, else the reason.
why-stale = $(strip $(if $(sha_of_$(1)),,missing)$(foreach i,$(inputs_of_$(1)),$(if $(stale_$(i)), $(i) is remade))$(if \
  $(sha_of_$(1)),$(if $(wildcard $(run)/stamps/$(1).params),$(if $(call equal,$(strip $(file <$(run)/stamps/$(1).params)),$(call params-text,$(params_of_$(1)))),,\
   new parameters)$(if $(call equal,$(strip $(file <$(run)/stamps/$(1).sha256)),$(strip $(foreach f,$(1) $(inputs_of_$(1)),$(sha_of_$(f)) $(f)))),,\
   changed content))))

# ---- offline data: a Minari dataset instead of collecting -----------------------------------------------
# make TASK=offline DATASET=path (pipelines/tasks/offline.mk; docs/minari.md): `import` writes the
# dataset's training episodes as random.h5 (the data model-0 trains on), the episodes it holds out
# (HELDOUT_FRACTION of them, chosen with SEED) as heldout.h5 (the model error of eval.h5), and their
# first states as test-starts.h5 (the test episodes plan from). Nothing is collected; ITERS is 0. The
# rules of those three files (below, under "stages") run `import` when DATASET is given.
STAGES += import
ifeq ($(TASK)$(DATASET),offline)
ifneq ($(filter-out build test,$(pipeline_goals)),)
$(error TASK=offline learns from a Minari dataset: give it, make TASK=offline DATASET=path (docs/minari.md))
endif
endif
ifneq ($(DATASET),)
ifneq ($(filter-out build test,$(pipeline_goals)),)
ifneq ($(words $(DATASET)),1)
$(error DATASET '$(DATASET)' has spaces; give a path without them)
endif
ifeq ($(wildcard $(DATASET)),)
$(error DATASET '$(DATASET)': no such file or folder (a Minari dataset's folder or its main_data.hdf5))
endif
ifneq ($(ITERS),0)
$(error DATASET learns from a fixed dataset: ITERS must be 0 (as in pipelines/tasks/offline.mk), got '$(ITERS)')
endif
endif
param_files += import
dataset_path := $(abspath $(DATASET))
# Its two files (as `import` finds them), whose content is a parameter of the import.
dataset_files := $(if $(filter %.hdf5,$(dataset_path)),$(dataset_path) $(dir $(dataset_path))metadata.json,$(firstword \
  $(wildcard $(dataset_path)/data/main_data.hdf5 $(dataset_path)/main_data.hdf5)) $(firstword $(wildcard \
  $(dataset_path)/data/metadata.json $(dataset_path)/metadata.json)))
dataset_sha256 := $(firstword $(shell cat $(foreach f,$(dataset_files),$(call sq,$(f))) 2>/dev/null | sha256sum))
params_import = $(call params,import)
import_dataset = $(call stage,import) $(call args,import)

endif

# ---- stages ---------------------------------------------------------------------------------------
# Stages run inside the run folder, so the paths recorded in each file's provenance are relative to
# it and the same seed gives the same bytes wherever DATA is.

stage = cd $(run) && $(CURDIR)/scripts/time-stage $(CURDIR)/$(BIN)/$(1)
# The prerequisites of an output: its inputs, order-only.
inputs = | $(addprefix $(run)/,$(inputs_of_$(1)))

# Offline (DATASET given): random.h5, heldout.h5 and test-starts.h5 come from the dataset instead.
ifeq ($(DATASET),)
$(call output,random.h5,collect,)
$(run)/random.h5: $(call inputs,random.h5)
	$(call stage,collect) $(call args,collect) --policy random --out random.h5
	$(call stamp,random.h5)
else
$(call output,random.h5,import,)
$(run)/random.h5: $(call inputs,random.h5)
	$(import_dataset) --select train --out random.h5
	$(call stamp,random.h5)
endif

$(call output,stats.h5,stats,random.h5)
$(run)/stats.h5: $(call inputs,stats.h5)
	$(call stage,stats) --data random.h5 --out stats.h5
	$(call stamp,stats.h5)

$(call output,model-0.h5,train,random.h5 stats.h5)
$(run)/model-0.h5: $(call inputs,model-0.h5)
	$(call stage,train) --data random.h5 --stats stats.h5 $(call args,train) $(train_threads) --logdir tb/train-0 \
	  --out model-0.h5
	$(call stamp,model-0.h5)

# value-<i>.h5 (VALUE_DISCOUNT set): the terminal value of model-<i>'s data, registered right after it.
define value_rule
$(call output,value-$(i).h5,value,random.h5 stats.h5 $(foreach j,$(wordlist 1,$(i),$(iterations)),rollouts-$(j).h5))
$(run)/value-$(i).h5: $(call inputs,value-$(i).h5)
	$(call stage,value) --data random.h5 $(foreach j,$(wordlist 1,$(i),$(iterations)),rollouts-$(j).h5) --stats stats.h5 \
	  $(call args,value) --logdir tb/value-$(i) --out value-$(i).h5
	$$(call stamp,value-$(i).h5)
endef
ifneq ($(VALUE_DISCOUNT),)
$(foreach i,0,$(eval $(value_rule)))
endif

# The loop, iteration i = 1..ITERS: rollouts-i with model-(i-1), then model-i on all data so far.
plan_threads = $(if $(THREADS),--threads $(THREADS))
# train runs a step on 1 or 2 threads: THREADS 1 is 1, more is 2; unset, train's default (2 on 2+ cores).
train_threads = $(if $(THREADS),--threads $(if $(filter 1,$(THREADS)),1,2))
iterations := $(wordlist 2,$(words 0 $(wordlist 1,$(ITERS),$(numbers))),$(numbers))
final_model := model-$(ITERS).h5

# The stamps are written $$(call stamp,...), expanded when the recipe runs: expanded by the eval, stamp's
# $$$$ would reach the shell as a lone $ and name every iteration's temporaries `tmp-$`, the same for
# every process and never removed as a dead process's leftovers.
define iteration
$(call output,rollouts-$(i).h5,plan,model-$(word $(i),$(numbers)).h5 $(call value_of,$(word $(i),$(numbers))))
$(run)/rollouts-$(i).h5: $(call inputs,rollouts-$(i).h5)
	$(call stage,plan) --model model-$(word $(i),$(numbers)).h5 $(call value_arg,$(word $(i),$(numbers))) \
	  $(call args,planner) $(plan_threads) $(call args,plan) \
	  --seed $(shell echo $$(( $(SEED) * 100 + $(i) ))) --logdir tb/plan-$(i) --out rollouts-$(i).h5
	$$(call stamp,rollouts-$(i).h5)

$(call output,model-$(i).h5,aggregate,random.h5 stats.h5 $(foreach j,$(wordlist 1,$(i),$(iterations)),rollouts-$(j).h5) model-$(word $(i),$(numbers)).h5)
$(run)/model-$(i).h5: $(call inputs,model-$(i).h5)
	$(call stage,train) --data random.h5 $(foreach j,$(wordlist 1,$(i),$(iterations)),rollouts-$(j).h5) --stats stats.h5 \
	  $(call args,train) $(if $(filter yes,$(WARM_START)),--init model-$(word $(i),$(numbers)).h5) \
	  $(call args,aggregate) $(train_threads) --logdir tb/train-$(i) --out model-$(i).h5
	$$(call stamp,model-$(i).h5)
$(if $(VALUE_DISCOUNT),$(value_rule))
endef
$(foreach i,$(iterations),$(eval $(iteration)))

# The test: TEST_EPISODES episodes of the final model from fixed starts (copied into the run folder,
# so the run is self-contained and its provenance paths are relative; their hash is a parameter).
$(call output,test-starts.h5,$(if $(DATASET),import,test),)
$(run)/test-starts.h5: $(call inputs,test-starts.h5)
ifeq ($(DATASET),)
	cp -- $(TEST_STARTS) $(run)/.test-starts.h5.tmp-$$$$ && mv -f $(run)/.test-starts.h5.tmp-$$$$ $@
else
	$(import_dataset) --select heldout --initial-states --out test-starts.h5
endif
	$(call stamp,test-starts.h5)

$(call output,test.h5,test,$(final_model) $(call value_of,$(ITERS)) test-starts.h5)
$(run)/test.h5: $(call inputs,test.h5)
	$(call stage,plan) --model $(final_model) $(call value_arg,$(ITERS)) $(call args,planner) $(plan_threads) $(call args,test) \
	  --initial-states test-starts.h5 --seed $(SEED) --logdir tb/test --out test.h5
	$(call stamp,test.h5)

# Held-out random data for the model error, collected with a seed no training step uses.
$(call output,heldout.h5,$(if $(DATASET),import,heldout),)
$(run)/heldout.h5: $(call inputs,heldout.h5)
ifeq ($(DATASET),)
	$(call stage,collect) $(call args,heldout) --policy random --out heldout.h5
else
	$(import_dataset) --select heldout --out heldout.h5
endif
	$(call stamp,heldout.h5)

$(call output,eval.h5,evaluate,$(final_model) heldout.h5 $(foreach i,$(iterations),rollouts-$(i).h5) test.h5)
$(run)/eval.h5: $(call inputs,eval.h5)
	$(call stage,evaluate) --model $(final_model) --data heldout.h5 \
	  --rollouts $(foreach i,$(iterations),rollouts-$(i).h5) test.h5 $(call args,evaluate) --out eval.h5
	$(call stamp,eval.h5)
	@$(BIN)/summarize --timing --runs $(run)

collect: $(run)/random.h5 $(run)/stats.h5
stats: $(run)/stats.h5
train: $(run)/model-0.h5
plan: $(foreach i,$(iterations),$(run)/rollouts-$(i).h5) $(run)/test.h5
evaluate: $(run)/eval.h5

# ---- sweeps: seeds and grids, locally or on SLURM --------------------------------------------------

# make sweep SEEDS="0 1 2 3 4" [GRID="LR=1e-3,3e-4 HORIZON=15,20"] [-j2]: every run of the sweep, then one
# table across it, also written to $(DATA)/$(PIPELINE)/sweep.csv. Without GRID the runs are the seeds'
# usual folders; with GRID (preset variables, each with its values after '=' separated by ',') every
# combination of values is a grid point with its own folder $(DATA)/$(PIPELINE)/<point>/seed-<n>
# (see POINT above), and the table has one row per point: mean ± std across seeds, the best marked.
# Variables given on the command line hold for every run. SCHEDULER=slurm submits the runs instead:
# see "sweeps on SLURM" below.
SEEDS ?= 0 1 2 3 4
SCHEDULER ?= local
ifeq ($(filter $(SCHEDULER),local slurm),)
$(error SCHEDULER must be local or slurm, got '$(SCHEDULER)')
endif
ifneq ($(filter $(sweep_goals),$(MAKECMDGOALS)),)
ifneq ($(POINT),)
$(error POINT names one run; a sweep takes GRID)
endif
# The sweep's runs (sweep-grid runs), one a line: the run's folder relative to $(DATA)/$(PIPELINE)
# (seed-<n>, or <point>/seed-<n> for every grid point), then the make arguments that run it. The
# points come in GRID's order (the last variable varies fastest), each with every seed in SEEDS.
ifeq ($(sweep_grid_pending),)
sweep_grid_grid = $(GRID)
sweep_grid_seeds = $(SEEDS)
sweep_plan := $(call sweep-grid,runs,grid seeds variables command-line)
endif
endif
# The plan's lines as words (run|arg|arg), the runs, and $(call sweep-args,run): the run's make arguments.
sweep_lines := $(subst $(newline), ,$(subst $(space),|,$(sweep_plan)))
sweep_runs := $(foreach l,$(sweep_lines),$(firstword $(subst |, ,$(l))))
sweep-args = $(wordlist 2,$(words $(subst |, ,$(filter $(1)|%,$(sweep_lines)))),$(subst |, ,$(filter $(1)|%,$(sweep_lines))))
sweep_root := $(DATA)/$(PIPELINE)
# The table reports the k-step error at k = 10, or at MAX_K when the runs stop before 10.
# The sweep's run folders are handed over in a file, one per line (written by Make, not by a shell), so
# a sweep of any size fits: $(sweep_root)/sweep-runs.txt.
sweep_list = $(sweep_root)/sweep-runs.txt
write_sweep_list = $(if $(dry_run),,$(shell mkdir -p $(sweep_root))$(file >$(sweep_list),$(subst $(space),$(newline),$(strip $(addprefix $(sweep_root)/,$(sweep_runs))))))
sweep_table = $(write_sweep_list)$(BIN)/summarize --runs-from $(sweep_list) $(if $(strip $(GRID)),--grid) $(if $(filter $(MAX_K),1 2 3 4 5 6 7 8 9),--k $(MAX_K)) --out $(sweep_root)/sweep.csv
sweep_page = $(write_sweep_list)$(BIN)/report --runs-from $(sweep_list) $(if $(strip $(GRID)),--grid) --out $(sweep_root)/report.html

# The table and the page alone, from finished runs (what the summary job of a SLURM sweep runs).
sweep-table: $(BIN)/programs.mk
	@$(sweep_table)
sweep-page: $(BIN)/programs.mk
	$(sweep_page)

ifeq ($(SCHEDULER),local)
sweep: $(addprefix sweep-run/,$(sweep_runs))
	@$(sweep_table)

# One run of the sweep: its own make, in its own folder (under its lock).
sweep-run/%: build
	@$(MAKE) --no-print-directory $(foreach a,$(call sweep-args,$*),$(call sq,$(a))) all

# make report-sweep: the sweep, then $(DATA)/$(PIPELINE)/report.html, one page across its runs.
report-sweep: sweep
	$(sweep_page)
else
# ---- sweeps on SLURM ---------------------------------------------------------------------------------
# make sweep SCHEDULER=slurm [SEEDS=...] [GRID=...]: builds once, here (the portable build, TARGET_CPU
# PORTABLE_CPU, unless TARGET_CPU is given), then submits one job array, one task per run whose outputs
# are missing or out of date (each task runs `make` for its own run folder, PREBUILT=yes), and a
# summary job that writes the table (and with report-sweep the page) once every task succeeded
# (--dependency=afterok). Submitting again submits only the runs still missing or out of date; it
# refuses while the last submission is still queued or running. Everything about the submission is
# in $(DATA)/$(PIPELINE)/slurm/: tasks (each task's index and run folder), logs/task-<index>.log,
# logs/summary.log (scripts/slurm-sweep). DATA must be on a filesystem every node sees, at the same path.
#   make sweep-status | sweep-wait | sweep-cancel   the state of each task, waiting for the end (failed
#                                                   tasks reported with their logs), cancelling
ifneq ($(filter sweep report-sweep,$(MAKECMDGOALS)),)
ifeq ($(shell command -v sbatch),)
$(error SCHEDULER=slurm needs sbatch: submit from a SLURM login node (or start scripts/slurm-local-cluster and export SLURM_CONF))
endif
endif
SLURM_PARTITION ?=
SLURM_TIME ?= 2:00:00
SLURM_CPUS ?= 2
SLURM_MEM ?= 4G
SLURM_OPTIONS ?=
SLURM_MAX_RUNNING ?=
sweep report-sweep: build
	@$(write_slurm_runs)scripts/slurm-sweep submit --dir $(call sq,$(abspath $(slurm_dir))) --repo $(call sq,$(CURDIR)) \
	  --root $(call sq,$(sweep_root)) --clear-env $(call sq,$(location_settings) $(preset_settings)) \
	  --tasks-from $(call sq,$(slurm_runs)) $(if $(SLURM_MAX_RUNNING),--max-running $(SLURM_MAX_RUNNING)) \
	  $(foreach a,DATA=$(abspath $(DATA)) PIPELINE=$(PIPELINE) TARGET_CPU=$(TARGET_CPU) PREBUILT=yes,--arg $(call sq,$(a))) \
	  $(foreach v,$(slurm_forwarded),--arg $(call sq,$(v)=$($(v)))) \
	  --summary-arg $(call sq,SEEDS=$(SEEDS)) $(if $(strip $(GRID)),--summary-arg $(call sq,GRID=$(GRID))) \
	  --summary-arg sweep-table $(if $(filter report-sweep,$@),--summary-arg sweep-page) \
	  --name $(call sq,mbrl-$(PIPELINE)) -- --time=$(call sq,$(SLURM_TIME)) --cpus-per-task=$(call sq,$(SLURM_CPUS)) \
	  --mem=$(call sq,$(SLURM_MEM)) $(if $(SLURM_PARTITION),--partition=$(call sq,$(SLURM_PARTITION))) $(foreach o,$(SLURM_OPTIONS),$(call sq,$(o)))
endif

# Every task and the summary job get on make's command line where the runs are (DATA as an absolute
# path), the build, and every preset variable given on this command line (the grid's come from POINT).
slurm_forwarded = $(foreach v,$(preset_settings),$(if $(filter command line,$(origin $(v))),$(v)))
slurm_dir = $(sweep_root)/slurm
# The runs as sweep-grid wrote them (folder, then make arguments), for the script: written by Make.
slurm_runs = $(slurm_dir)/runs.txt
write_slurm_runs = $(shell mkdir -p $(slurm_dir))$(file >$(slurm_runs),$(sweep_plan))
SLURM_POLL ?= 10

sweep-status sweep-wait sweep-cancel:
	@scripts/slurm-sweep $(patsubst sweep-%,%,$@) --dir $(call sq,$(abspath $(slurm_dir))) --poll $(call sq,$(SLURM_POLL))

# ---- results to look at and to keep -------------------------------------------------------------------

# make report: $(run)/report.html, one self-contained page of plots (after `make sweep`: one page
# across the sweep's runs, $(DATA)/$(PIPELINE)/report.html, with `make report-sweep`).
$(call output,report.html,report,eval.h5)
$(run)/report.html: $(call inputs,report.html)
	$(BIN)/report --runs $(run) --out $@
	$(call stamp,report.html)

report: $(run)/report.html

# make results-table: the results table of every finished run under DATA (a run folder holding eval.h5
# whose test.h5 and eval.h5 are current by their stamps; docs/FORMATS.md, "Run records")
# and of every run kept under RECORDS, one Markdown row per preset or grid point: mean, spread and each
# seed's test return, training steps, wall time (summarize --markdown). Generated from the run files, or
# from their records when the run folders are gone; a run under DATA replaces its kept record.
# make keep-results: writes the record of every finished run under DATA to
# RECORDS/<preset>[/<point>]/seed-<n>.json (summarize --keep), a few kilobytes each, to commit beside
# the pages, so that their tables can be regenerated without the data folder.
RECORDS ?= docs/results/runs
results_list = $(DATA)/results-runs.txt
# The finished (eval.h5) or started (random.h5) runs under DATA, one per line, into $(results_list).
list_runs = find $(call sq,$(DATA)) -mindepth 3 -maxdepth 4 -path '*/seed-*/$(1)' -printf '%h\n' | LC_ALL=C sort > $(call sq,$(results_list))
results-table: $(BIN)/programs.mk
	@[ -d $(call sq,$(DATA)) ] || { echo "results-table: no folder "$(call sq,$(DATA)) >&2; exit 1; }
	@$(call list_runs,eval.h5)
	@$(BIN)/summarize --markdown --root $(call sq,$(DATA)) --records $(call sq,$(RECORDS)) --runs-from $(call sq,$(results_list)); \
	  s=$$?; rm -f $(call sq,$(results_list)); exit $$s

# make learning-curves: the learning curve of every run under DATA that has collected data, finished or
# not, and of every run kept under RECORDS, one Markdown table per preset or grid point (summarize
# --curves): per iteration the environment steps, the mean and std across seeds and each seed's mean
# return of the episodes it collected.
learning-curves: $(BIN)/programs.mk
	@[ -d $(call sq,$(DATA)) ] || { echo "learning-curves: no folder "$(call sq,$(DATA)) >&2; exit 1; }
	@$(call list_runs,random.h5)
	@$(BIN)/summarize --curves --root $(call sq,$(DATA)) --records $(call sq,$(RECORDS)) --runs-from $(call sq,$(results_list)); \
	  s=$$?; rm -f $(call sq,$(results_list)); exit $$s

keep-results: $(BIN)/programs.mk
	@[ -d $(call sq,$(DATA)) ] || { echo "keep-results: no folder "$(call sq,$(DATA)) >&2; exit 1; }
	@$(call list_runs,eval.h5)
	@if [ -s $(call sq,$(results_list)) ]; then \
	  $(BIN)/summarize --keep $(call sq,$(RECORDS)) --root $(call sq,$(DATA)) --runs-from $(call sq,$(results_list)); \
	else echo "keep-results: no finished run under "$(call sq,$(DATA)); fi; s=$$?; rm -f $(call sq,$(results_list)); exit $$s

# make archive: $(ARCHIVES)/<preset>-seed-<n>-<hash>.tar.gz with a SHA256SUMS manifest and ARCHIVE.md;
# make verify-archive ARCHIVE=file [HASH=hex] checks one (HASH: the content hash recorded when it was
# made, to catch a consistent forgery). Unpack with `tar -xzf FILE -C $(DATA)`.
ARCHIVES ?= archives
archive: $(run)/report.html
	@scripts/archive-run $(DATA) $(PIPELINE) $(SEED) $(ARCHIVES)

verify-archive: $(BIN)/programs.mk
	@MBRL_BIN=$(BIN) scripts/verify-archive "$$ARCHIVE" $${HASH:+"$$HASH"}

# ---- speed ---------------------------------------------------------------------------------------

# The planner and the trainer against this machine's SGEMM peak (release build), on the notebook's task
# (Pendulum) and the paper's (HalfCheetah); the last line is JSON. With a Python that has torch
# (TORCH_PYTHON, by default .venv/bin/python when it exists; `make bench-venv` makes one from PyPI), the
# PyTorch reference scripts/torch_bench.py runs the same workloads in the same run and the ratios are
# printed. The JSON line is also written to BENCH_OUT; `make bench-table` prints the Markdown performance
# table of that file (docs/PERFORMANCE.md's table is made that way).
TORCH_PYTHON ?= $(wildcard .venv/bin/python)
BENCH_OUT ?= bench.json
bench: build
	$(BIN)/bench $(if $(TORCH_PYTHON),--torch-python $(TORCH_PYTHON)) --json-out '$(BENCH_OUT)'

bench-table: $(BIN)/programs.mk
	$(BIN)/bench --table '$(BENCH_OUT)'

bench-venv:
	python3 -m venv .venv && .venv/bin/pip install --quiet torch numpy

# ---- tests and housekeeping ---------------------------------------------------------------------------

# The stage tests run the release executables, so they are built first.
test: build test-deps
	swift test --disable-swift-testing

# make format-check: swift-format's lint of the Swift sources with the committed .swift-format (120
# columns, 4-space indentation, the rules the code follows); it reports, it changes nothing. Not part
# of `make test`: the code was written before the configuration and does not pass it yet.
# docs/DESIGN.md, "Code layout", says what it reports.
format-check:
	@command -v swift-format >/dev/null || { echo "format-check: swift-format is not installed (it comes with Swift 6)" >&2; exit 1; }
	swift-format lint --configuration .swift-format --recursive --parallel Package.swift Sources Tests

# make print-VAR: the value of one setting as the preset and the command line resolve it
# (e.g. make TASK=hopper print-EPISODES).
print-%:
	@echo '$($*)'

# make settings: every preset variable as the presets and the command line resolve it (VAR=value), then
# the parameters text of each kind of output without its program's hash (params/<name>=text).
settings:
	@$(foreach v,$(preset_settings),echo $(call sq,$(v)=$($(v)));) \
	$(foreach n,$(param_files),echo $(call sq,params/$(n)=$(strip $(params_$(n))));)

# The SLURM sweep tests start a one-node cluster (scripts/slurm-local-cluster), which needs slurmctld,
# slurmd, slurm-client and munge: installed through apt-get when missing (needs root, as in CI). Not
# root and missing: a note, and those tests are skipped. `make deps` installs only what the pipeline
# itself needs.
test-deps:
	@if [ "$$(id -u)" = 0 ]; then scripts/slurm-local-cluster install; \
	else scripts/slurm-local-cluster install 2>/dev/null || echo "test: SLURM is not installed (sudo scripts/slurm-local-cluster install); the SLURM tests will be skipped"; fi

# Removes this run's folder (DATA/PIPELINE/[POINT/]seed-SEED), if Make made it (it holds
# $(run_marker)), and a grid point's folder left empty.
clean:
	@if [ -f $(run)/$(run_marker) ]; then echo "rm -rf $(run)"; flock $(run)/$(run_marker) rm -rf $(run); \
	  $(if $(POINT),rmdir --ignore-fail-on-non-empty $(dir $(run));) \
	elif [ -e $(run) ]; then echo "clean: $(run) was not made by make (no $(run_marker)); left as it is" >&2; fi

# Removes every run folder Make made under DATA (DATA/<preset>/seed-<n> and grid points'
# DATA/<preset>/<point>/seed-<n> holding $(run_marker), for every pipeline name: $(presets)), the sweep
# tables and pages next to them, a SLURM sweep's folder DATA/<preset>/slurm (it holds .mbrl-sweep),
# the point and preset folders left empty, and the build folder. Nothing else under DATA is touched.
distclean: clean-runs
	rm -rf .build

# The run-folder part of distclean. A run folder is one holding $(run_marker) (only Make writes it, and
# only in the run folders it names), at <preset>/seed-<n> or <preset>/<point>/seed-<n>.
clean-runs:
	@for p in $(presets); do \
	  for r in $(DATA)/$$p/seed-* $(DATA)/$$p/*/seed-*; do \
	    if [ -f "$$r/$(run_marker)" ] && [[ "$$r" =~ /$$p/([^/]+/)?seed-[0-9]+$$ ]]; then \
	      echo "rm -rf $$r"; rm -rf "$$r"; \
	      [ "$${r%/seed-*}" = $(DATA)/$$p ] || rmdir --ignore-fail-on-non-empty "$${r%/seed-*}"; \
	    fi; \
	  done; \
	  if [ -f $(DATA)/$$p/slurm/.mbrl-sweep ]; then echo "rm -rf $(DATA)/$$p/slurm"; rm -rf $(DATA)/$$p/slurm; fi; \
	  rm -f $(DATA)/$$p/sweep.csv $(DATA)/$$p/report.html $(DATA)/$$p/sweep-runs.txt; \
	  [ ! -d $(DATA)/$$p ] || rmdir --ignore-fail-on-non-empty $(DATA)/$$p; \
	done

# Last, once every variable the parameters mention is defined and the program hashes are known (before
# the first build, Make rebuilds programs.mk and starts over): the leftovers of an interrupted make are
# removed (temporaries whose process is gone; this make holds the run's lock), the parameters files are
# written, and every output that is not current is marked to be remade.
ifneq ($(filter-out build test bench sweep report-sweep sweep-table sweep-page sweep-run/% results-table learning-curves keep-results,$(pipeline_goals)),)
ifneq ($(and $(program_collect),$(if $(sweep_grid_pending),,yes)),)
ifeq ($(dry_run),)
$(if $(wildcard $(run)),$(shell find $(run) -name '.*.tmp-*' -type f 2>/dev/null | while IFS= read -r f; do \
  pid=$${f##*.tmp-}; [[ $$pid =~ ^[0-9]+$$ ]] && ! kill -0 "$$pid" 2>/dev/null && rm -f -- "$$f"; done))
$(if $(shell mkdir -p $(run)/params 2>/dev/null && [ -w $(run)/params ] && echo ok),,\
  $(error cannot record the parameters in $(run)/params: the run folder must be writable))
$(foreach name,$(param_files),$(if $(call equal,$(strip $(file <$(run)/params/$(name))),$(call params-text,$(name))),,\
  $(file >$(run)/params/.$(name).tmp-make,$(call params-text,$(name)))$(if \
  $(shell mv -f $(run)/params/.$(name).tmp-make $(run)/params/$(name) && echo ok),,\
  $(error cannot record the parameters in $(run)/params/$(name): the run folder must be writable))))
endif
# The content of every output that exists, one sha256sum for all: sha_of_<name>.
existing_outputs := $(notdir $(wildcard $(addprefix $(run)/,$(outputs))))
$(foreach w,$(if $(existing_outputs),$(shell cd $(run) && sha256sum -- $(existing_outputs) < /dev/null | tr -d '*')),\
  $(if $(_hash),$(eval sha_of_$(w) := $(_hash))$(eval _hash :=),$(eval _hash := $(w))))
$(foreach o,$(outputs),$(eval stale_$(o) := $(call why-stale,$(o)))$(if $(stale_$(o)),$(eval $(run)/$(o): FORCE)))
endif
endif

endif

FORCE:
