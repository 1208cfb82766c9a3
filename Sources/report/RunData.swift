import MBRL

/// One run as the report shows it: the run's results (`RunResults`, from its HDF5 files) plus what
/// only the report needs: the final model's open-loop prediction of the first test episode.
struct RunData {
    var results: RunResults
    /// Test episode 0: true observations (T+1 × obs) and the model's open-loop prediction.
    var trueTrajectory: [[Float]] = []
    var predictedTrajectory: [[Float]] = []
    /// Names of the observation components (from the environment, or `x0, x1, …` for an unknown one).
    var observationNames: [String]

    init(folder: String) throws {
        results = try RunResults(folder: folder)
        let test = results.test
        observationNames = EnvironmentName(id: results.env)?.make().observationNames
            ?? (0..<test.observationSize).map { "x\($0)" }
        if let first = test.episodeRanges.first {
            let (model, _) = try DynamicsModel.read(fromFile: folder + "/" + results.modelFile)
            trueTrajectory = [Array(test.observations[(first.lowerBound * test.observationSize)..<((first.lowerBound + 1) * test.observationSize)])]
                + first.map { t in Array(test.nextObservations[(t * test.observationSize)..<((t + 1) * test.observationSize)]) }
            predictedTrajectory = ModelEvaluation.openLoop(model: model, data: test, rows: first)
        }
    }

    /// The run's title: environment, controller and seed, e.g. `Pendulum-v1 · rs · seed 0`.
    var title: String { "\(results.env) · \(results.policy) · seed \(results.seed)" }
}
