# Model-based RL as a reproducible pipeline: each stage is an executable, each output a file in the
# run folder $(DATA)/$(PIPELINE)/seed-$(SEED)/, rebuilt only when its inputs, its parameters or its
# program change. See README.md.
#
#   make                 the whole pipeline for PIPELINE and SEED
#   make test            the test suite
#   make collect | stats | train | plan | evaluate   one stage (and what it needs)
#   make build | deps | clean

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

# ---- settings ---------------------------------------------------------------------------------------
# Settings come from the command line (make SEED=3) or the preset, never from the environment: DATA
# decides where outputs go and what `clean` and `distclean` delete, and a stray exported LR or ENV must
# not change a run. A setting found in the environment is ignored, with a warning.
location_settings := DATA PIPELINE SEED SEEDS ARCHIVES
preset_settings := $(sort $(shell sed -n 's/^\([A-Z][A-Z0-9_]*\) *?=.*/\1/p' pipelines/*.mk))
$(foreach v,$(location_settings) $(preset_settings),$(if $(filter environment,$(origin $(v))),\
  $(warning ignoring $(v) from the environment; settings come from the command line: make $(v)=...)$(eval undefine $(v))))

DATA ?= data
PIPELINE ?= pendulum
SEED ?= 0

ifeq ($(strip $(DATA)),)
$(error DATA is empty; give a folder for the runs, e.g. make DATA=data)
endif
ifeq ($(wildcard pipelines/$(PIPELINE).mk),)
$(error unknown PIPELINE '$(PIPELINE)': no file pipelines/$(PIPELINE).mk)
endif
ifeq ($(shell [[ '$(SEED)' =~ ^[0-9]+$$ ]] && echo ok),)
$(error SEED must be a whole number, got '$(SEED)')
endif
include pipelines/$(PIPELINE).mk

run := $(DATA)/$(PIPELINE)/seed-$(SEED)
# Every run folder Make writes holds this file: it marks the folder as Make's (`clean` and `distclean`
# delete only folders that carry it) and is the lock that keeps two `make` runs out of one folder.
run_marker := .mbrl-run
BIN := .build/release
STAGES := collect stats train plan evaluate
# Programs whose outputs are not stage outputs (hashes not tracked): summarize, report, bench.
SOURCES := Package.swift $(shell find Sources -name '*.swift' -o -name '*.h' -o -name '*.modulemap')

.PHONY: FORCE all build deps test clean clean-runs distclean collect stats train plan evaluate sweep bench report report-sweep archive verify-archive

# ---- one make per run folder --------------------------------------------------------------------------
# Goals that write into the run folder run under a lock on $(run)/$(run_marker) (flock): Make starts
# itself again inside the lock, so a second `make` on the same folder waits for the first (and says so)
# instead of interleaving with it; parameters files and outputs then always agree. Dry runs (-n, -q)
# write nothing and take no lock.
run_goals := all collect stats train plan evaluate report archive
dry_run := $(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS)))
goals := $(or $(MAKECMDGOALS),all)
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

# Goals that need neither the build nor a run folder.
housekeeping := deps clean clean-runs distclean help verify-archive
pipeline_goals := $(filter-out $(housekeeping),$(or $(MAKECMDGOALS),all))

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
# It is written under a temporary name and renamed, so a concurrent make never reads half of it.
$(BIN)/programs.mk: $(SOURCES) | deps
	swift build -c release
	@for s in $(STAGES); do \
	  objcopy --strip-debug --remove-section=.note.gnu.build-id --remove-section=.swift_modhash $(BIN)/$$s $(BIN)/.$$s.hashed.$$$$; \
	  printf 'program_%s := %s\n' $$s "$$(sha256sum < $(BIN)/.$$s.hashed.$$$$ | cut -c1-16)"; rm -f $(BIN)/.$$s.hashed.$$$$; \
	done > $@.tmp-$$$$ && mv -f $@.tmp-$$$$ $@

ifneq ($(pipeline_goals),)
include $(BIN)/programs.mk
endif

build: $(BIN)/programs.mk

# ---- parameters files -------------------------------------------------------------------------------
# $(run)/params/<stage> holds the stage's parameters and its program's hash. It is written while Make
# reads this file, and only when its text changes, so an output that depends on it reruns exactly
# when its parameters or its program changed. Under `make -n` or `make -q` nothing is written: a
# parameters file whose text would change is marked out of date instead, so both tell the truth.

params_collect = env=$(ENV) episodes=$(EPISODES) max_steps=$(MAX_STEPS) seed=$(SEED)
params_stats =
# The ensemble settings (MEMBERS, MODEL_OUTPUT, ACTIVATION, ELITE_MEMBERS) appear only when a preset
# sets them, so the parameters of the single-network presets read as before.
params_train = hidden=$(HIDDEN) depth=$(DEPTH) batch_norm=$(BATCH_NORM) batch_size=$(BATCH_SIZE) lr=$(LR) \
  beta1=$(BETA1) beta2=$(BETA2) weight_decay=$(WEIGHT_DECAY) epochs=$(EPOCHS) patience=$(PATIENCE) \
  val_fraction=$(VAL_FRACTION) seed=$(SEED)$(if $(MEMBERS), members=$(MEMBERS))$(if $(MODEL_OUTPUT), output=$(MODEL_OUTPUT))$(if \
  $(ACTIVATION), activation=$(ACTIVATION))$(if $(ELITE_MEMBERS), elite_members=$(ELITE_MEMBERS))
# model-1 ... model-ITERS: training plus how the data are aggregated (model-0 does not depend on it).
params_aggregate = $(params_train) new_data_fraction=$(NEW_DATA_FRACTION) warm_start=$(WARM_START)
params_plan = $(plan_options) episodes=$(PLAN_EPISODES)
params_test = $(plan_options) episodes=$(TEST_EPISODES) starts=$(TEST_STARTS) \
  starts_sha256=$(firstword $(shell sha256sum $(TEST_STARTS) 2>/dev/null))
params_heldout = env=$(ENV) episodes=$(HELDOUT_EPISODES) seed=$(heldout_seed)
params_evaluate = max_k=$(MAX_K) iters=$(ITERS)

# Which program each parameters file belongs to.
program_of_test = plan
program_of_heldout = collect
program_of_aggregate = train
param_files := collect stats train aggregate plan test heldout evaluate

# $(call write-params,name): rewrites $(run)/params/<name> if its text differs. Called at the end of
# this file, once every variable the parameters mention is defined.
# Under -n / -q it writes nothing and prints "stale" when the text would change.
# The file is written under a temporary name and renamed, so it is never seen half-written.
write-params = $(shell f=$(run)/params/$(1) \
  && t='$(params_$(1)) program=$(program_$(or $(program_of_$(1)),$(1)))' \
  && { [ "$$(cat $$f 2>/dev/null)" = "$$t" ] || { if [ -n "$(dry_run)" ]; then echo stale; \
       else mkdir -p $(run)/params && printf '%s\n' "$$t" > $$f.tmp-$$$$ && mv -f $$f.tmp-$$$$ $$f; fi; }; })


# ---- stages ---------------------------------------------------------------------------------------
# Stages run inside the run folder, so the paths recorded in each file's provenance are relative to
# it and the same seed gives the same bytes wherever DATA is.

stage = cd $(run) && $(CURDIR)/$(BIN)/$(1)

$(run)/random.h5: $(run)/params/collect
	$(call stage,collect) --env $(ENV) --episodes $(EPISODES) $(if $(MAX_STEPS),--max-steps $(MAX_STEPS)) \
	  --seed $(SEED) --policy random --out random.h5

$(run)/stats.h5: $(run)/random.h5 $(run)/params/stats
	$(call stage,stats) --data random.h5 --out stats.h5

train_options = --hidden $(HIDDEN) --depth $(DEPTH) $(if $(filter yes,$(BATCH_NORM)),--batch-norm,--no-batch-norm) \
  --batch-size $(BATCH_SIZE) --lr $(LR) --beta1 $(BETA1) --beta2 $(BETA2) --weight-decay $(WEIGHT_DECAY) \
  --epochs $(EPOCHS) --patience $(PATIENCE) --val-fraction $(VAL_FRACTION) --seed $(SEED)$(if $(MEMBERS), --members $(MEMBERS))$(if \
  $(MODEL_OUTPUT), --$(MODEL_OUTPUT))$(if $(ACTIVATION), --activation $(ACTIVATION))$(if $(ELITE_MEMBERS), --elite-members $(ELITE_MEMBERS))

$(run)/model-0.h5: $(run)/random.h5 $(run)/stats.h5 $(run)/params/train
	$(call stage,train) --data random.h5 --stats stats.h5 $(train_options) --logdir tb/train-0 --out model-0.h5

# The loop, iteration i = 1..ITERS: rollouts-i with model-(i-1), then model-i on all data so far.
# THREADS changes how fast plan runs, never what it writes: it is not a parameter (plan_threads).
# Ensembles (PETS): PROPAGATION, PARTICLES and PREDICTION, appended only when a preset sets them.
plan_options = --planner $(PLANNER) --candidates $(CANDIDATES) --horizon $(HORIZON) --discount $(DISCOUNT) \
  $(if $(PLAN_ITERATIONS),--iterations $(PLAN_ITERATIONS)) $(PLANNER_OPTIONS)$(if $(PROPAGATION), --propagation $(PROPAGATION))$(if \
  $(PARTICLES), --particles $(PARTICLES))$(if $(PREDICTION), --prediction $(PREDICTION))
plan_threads = $(if $(THREADS),--threads $(THREADS))
numbers := $(shell seq 0 100)
iterations := $(wordlist 2,$(words 0 $(wordlist 1,$(ITERS),$(numbers))),$(numbers))
final_model := model-$(ITERS).h5

define iteration
$(run)/rollouts-$(i).h5: $(run)/model-$(word $(i),$(numbers)).h5 $(run)/params/plan
	$(call stage,plan) --model model-$(word $(i),$(numbers)).h5 $(plan_options) $(plan_threads) --episodes $(PLAN_EPISODES) \
	  --seed $(shell echo $$(( $(SEED) * 100 + $(i) ))) --logdir tb/plan-$(i) --out rollouts-$(i).h5

$(run)/model-$(i).h5: $(run)/random.h5 $(run)/stats.h5 $(foreach j,$(wordlist 1,$(i),$(iterations)),$(run)/rollouts-$(j).h5) \
  $(run)/model-$(word $(i),$(numbers)).h5 $(run)/params/aggregate
	$(call stage,train) --data random.h5 $(foreach j,$(wordlist 1,$(i),$(iterations)),rollouts-$(j).h5) --stats stats.h5 \
	  $(train_options) $(if $(filter yes,$(WARM_START)),--init model-$(word $(i),$(numbers)).h5) \
	  $(if $(NEW_DATA_FRACTION),--new-data-fraction $(NEW_DATA_FRACTION)) --logdir tb/train-$(i) --out model-$(i).h5
endef
$(foreach i,$(iterations),$(eval $(iteration)))

# The test: TEST_EPISODES episodes of the final model from fixed starts (copied into the run folder,
# so the run is self-contained and its provenance paths are relative).
$(run)/test-starts.h5: $(run)/params/test
	cp $(TEST_STARTS) $@.tmp-$$$$ && mv -f $@.tmp-$$$$ $@

$(run)/test.h5: $(run)/$(final_model) $(run)/test-starts.h5 $(run)/params/test
	$(call stage,plan) --model $(final_model) $(plan_options) $(plan_threads) --episodes $(TEST_EPISODES) \
	  --initial-states test-starts.h5 --seed $(SEED) --logdir tb/test --out test.h5

# Held-out random data for the model error, collected with a seed no training step uses.
heldout_seed := $(shell echo $$(( $(SEED) + 1000000 )))
$(run)/heldout.h5: $(run)/params/heldout
	$(call stage,collect) --env $(ENV) --episodes $(HELDOUT_EPISODES) --seed $(heldout_seed) --policy random --out heldout.h5

$(run)/eval.h5: $(run)/$(final_model) $(run)/heldout.h5 $(foreach i,$(iterations),$(run)/rollouts-$(i).h5) $(run)/test.h5 $(run)/params/evaluate
	$(call stage,evaluate) --model $(final_model) --data heldout.h5 \
	  --rollouts $(foreach i,$(iterations),rollouts-$(i).h5) test.h5 --max-k $(MAX_K) --out eval.h5

collect: $(run)/random.h5 $(run)/stats.h5
stats: $(run)/stats.h5
train: $(run)/model-0.h5
plan: $(foreach i,$(iterations),$(run)/rollouts-$(i).h5) $(run)/test.h5
evaluate: $(run)/eval.h5

# ---- several seeds ---------------------------------------------------------------------------------

# make sweep SEEDS="0 1 2 3 4" [-j2]: every seed's whole run (in parallel with -j), then one table across
# seeds, also written to $(DATA)/$(PIPELINE)/sweep.csv.
SEEDS ?= 0 1 2 3 4
sweep: $(addprefix sweep-seed-,$(SEEDS))
	@$(BIN)/summarize --runs $(foreach s,$(SEEDS),$(DATA)/$(PIPELINE)/seed-$(s)) --out $(DATA)/$(PIPELINE)/sweep.csv

sweep-seed-%: build
	@$(MAKE) --no-print-directory SEED=$* all

# ---- results to look at and to keep -------------------------------------------------------------------

# make report: $(run)/report.html, one self-contained page of plots (after `make sweep`: one page
# across SEEDS, $(DATA)/$(PIPELINE)/report.html, with `make report-sweep`).
$(run)/report.html: $(run)/eval.h5 $(BIN)/programs.mk
	$(BIN)/report --runs $(run) --out $@

report: $(run)/report.html

report-sweep: sweep
	$(BIN)/report --runs $(foreach s,$(SEEDS),$(DATA)/$(PIPELINE)/seed-$(s)) --out $(DATA)/$(PIPELINE)/report.html

# make archive: $(ARCHIVES)/<preset>-seed-<n>-<hash>.tar.gz with a SHA256SUMS manifest and ARCHIVE.md;
# make verify-archive ARCHIVE=file [HASH=hex] checks one (HASH: the content hash recorded when it was
# made, to catch a consistent forgery). Unpack with `tar -xzf FILE -C $(DATA)`.
ARCHIVES ?= archives
archive: $(run)/report.html
	@scripts/archive-run $(DATA) $(PIPELINE) $(SEED) $(ARCHIVES)

verify-archive:
	@scripts/verify-archive $(ARCHIVE) $(HASH)

# ---- speed ---------------------------------------------------------------------------------------

# The planner and the trainer against this machine's SGEMM peak (release build); the last line is JSON.
bench: build
	$(BIN)/bench

# ---- tests and housekeeping ---------------------------------------------------------------------------

# The stage tests run the release executables, so they are built first.
test: build
	swift test --disable-swift-testing

# Removes this run's folder (DATA/PIPELINE/seed-SEED), if Make made it (it holds $(run_marker)).
clean:
	@if [ -f $(run)/$(run_marker) ]; then echo "rm -rf $(run)"; flock $(run)/$(run_marker) rm -rf $(run); \
	elif [ -e $(run) ]; then echo "clean: $(run) was not made by make (no $(run_marker)); left as it is" >&2; fi

# Removes every run folder Make made under DATA (DATA/<preset>/seed-<n> holding $(run_marker), for
# the presets in pipelines/), the sweep tables and pages next to them, the preset folders left empty,
# and the build folder. Nothing else under DATA is touched.
presets := $(basename $(notdir $(wildcard pipelines/*.mk)))
distclean: clean-runs
	rm -rf .build

# The run-folder part of distclean.
clean-runs:
	@for p in $(presets); do \
	  for r in $(DATA)/$$p/seed-*; do \
	    if [ -f "$$r/$(run_marker)" ] && [[ "$$r" =~ /seed-[0-9]+$$ ]]; then echo "rm -rf $$r"; rm -rf "$$r"; fi; \
	  done; \
	  rm -f $(DATA)/$$p/sweep.csv $(DATA)/$$p/report.html; \
	  [ ! -d $(DATA)/$$p ] || rmdir --ignore-fail-on-non-empty $(DATA)/$$p; \
	done

# Parameters files are written last, when every variable they mention is defined, and only once the
# program hashes are known (before the first build, Make rebuilds programs.mk and starts over).
ifneq ($(filter-out build test bench sweep report-sweep,$(pipeline_goals)),)
ifneq ($(program_collect),)
$(foreach name,$(param_files),$(if $(call write-params,$(name)),$(eval $(run)/params/$(name): FORCE ;)))
endif
endif

endif

FORCE:
