import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLPlanning
import MBRLRollouts

/// What `plan` reports while it runs (progress lines, TensorBoard scalars) and how a failed rollout
/// becomes the stage's error.
extension Plan {
    /// Progress lines per step and episode, and --logdir's scalars per episode (its writer returned).
    func report(_ rollout: inout Rollout, to progress: ProgressReporter) throws -> TensorBoardWriter? {
        let logs = try self.logs.writer(program: "plan", columns: ["plan/episode_return", "plan/ms_per_step"])
        // "episode i/n" of an episode budget; "episode i" and the steps so far of a step budget.
        let budget = self.budget
        func episodeText(_ progress: Rollout.Progress) -> String {
            switch budget {
            case .episodes(let episodes): return "episode \(progress.episode + 1)/\(episodes)"
            case .steps(let steps): return "episode \(progress.episode + 1) (\(progress.recorded) of \(steps) steps)"
            }
        }
        rollout.onStep = { step in
            if step.steps % 10 == 0 {
                progress.update(
                    String(
                        format: "%@  step %d  return %.1f  %.2f ms/step", episodeText(step), step.steps,
                        step.episodeReturn, step.seconds * 1000 / Double(step.steps)))
            }
        }
        rollout.onEpisodeEnd = { episode in
            let ms = episode.seconds * 1000 / Double(max(episode.steps, 1))
            // An episode a step budget cut off has a partial return: not logged as an episode's return.
            if !episode.cutOff {
                try logs?.write(
                    step: episode.episode + 1,
                    scalars: ["plan/episode_return": episode.episodeReturn, "plan/ms_per_step": ms])
            }
            // Every episode's line, in a log too: an episode takes seconds to minutes, and
            // scripts/planner-ablation reads the returns from these lines.
            progress.milestone(
                String(
                    format: "%@  return %.1f  %.2f ms/step%@", episodeText(episode), episode.episodeReturn, ms,
                    episode.cutOff ? "  (cut off at the step budget: a partial return)" : ""))
        }
        return logs
    }

    /// A failed rollout as the stage's error, naming the file to blame.
    func stageError(_ failure: Rollout.Failure) -> StageError {
        switch failure {
        case .nonFiniteStart(let episode):
            return StageError(
                "\(initialStates ?? model): initial_states: row \(episode) gives a non-finite "
                    + "observation")
        case .nonFiniteAction:
            return StageError("\(model): the planner found \(failure) (the model's predictions diverge)")
        case .nonFiniteStep(let episode, _):
            let start = initialStates.map { "from row \(episode) of \($0)" } ?? "from its seeded start"
            return StageError(
                "\(initialStates ?? output.out): \(failure) (\(start)); the environment cannot "
                    + "continue from that state")
        case .simulatorWarning(let episode, 0, let message):
            let start =
                initialStates == nil
                ? "the seeded start of episode \(episode + 1)" : "initial_states: row \(episode)"
            return StageError("\(initialStates ?? output.out): \(start) makes the simulator warn: \(message)")
        case .simulatorWarning(let episode, _, _):
            let start = initialStates.map { "from row \(episode) of \($0)" } ?? "from its seeded start"
            return StageError(
                "\(initialStates ?? output.out): \(failure) (\(start)); the simulation is not valid "
                    + "from there")
        }
    }
}
