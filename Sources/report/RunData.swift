import Foundation
import MBRL
import MBRLCommandLine

/// Everything the report shows about one run folder, read from its HDF5 and CSV files.
struct RunData {
    struct TrainingLog { var iteration: Int; var epochs: [Double]; var loss: [Double]; var valLoss: [Double] }
    struct Provenance { var file: String; var format: String; var command: String; var seed: Int; var inputs: String }

    var folder: String
    var name: String            // seed-<n>
    var preset: String
    var trainingLogs: [TrainingLog] = []
    var kStepRMSE: [Double] = []
    var oneStepMSE = Double.nan
    var modelFile: String?
    /// Returns of the random data and of each iteration's rollouts, in order; the test run last.
    var randomReturns: [Double] = []
    var rolloutReturns: [(iteration: Int, returns: [Double])] = []
    var testReturns: [Double] = []
    /// Test episode 0: true observations (T+1 × obs) and the model's open-loop prediction.
    var trueTrajectory: [[Float]] = []
    var predictedTrajectory: [[Float]] = []
    var parameters: [(String, String)] = []
    var provenance: [Provenance] = []

    init(folder: String) throws {
        self.folder = folder
        let url = URL(fileURLWithPath: folder)
        name = url.lastPathComponent
        preset = url.deletingLastPathComponent().lastPathComponent
        let fm = FileManager.default
        let entries = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        guard entries.contains("eval.h5") else {
            throw StageError("\(folder): no eval.h5; run `make` for this run first")
        }

        for log in ((try? fm.contentsOfDirectory(atPath: folder + "/tb")) ?? []).filter({ $0.hasPrefix("train-") }) {
            guard let iteration = Int(log.dropFirst(6)),
                  let text = try? String(contentsOfFile: "\(folder)/tb/\(log)/train.csv", encoding: .utf8) else { continue }
            let rows = text.split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan } }
                .filter { $0.count >= 3 }  // a line cut short by an interrupted run is skipped
            trainingLogs.append(TrainingLog(iteration: iteration, epochs: rows.map { $0[0] }, loss: rows.map { $0[1] }, valLoss: rows.map { $0[2] }))
        }
        trainingLogs.sort { $0.iteration < $1.iteration }

        let eval = try HDF5File.open(at: folder + "/eval.h5").root
        try FileFormat.eval.check(eval)
        kStepRMSE = try eval.read("metrics/k_step_rmse", as: Double.self).values
        oneStepMSE = try eval.readScalar("metrics/one_step_mse", as: Double.self)
        modelFile = try eval.stringAttribute("model")

        if entries.contains("random.h5") { randomReturns = try Transitions.read(from: folder + "/random.h5").episodeReturns }
        for entry in entries where entry.hasPrefix("rollouts-") && entry.hasSuffix(".h5") {
            if let i = Int(entry.dropFirst(9).dropLast(3)) {
                rolloutReturns.append((i, try Transitions.read(from: "\(folder)/\(entry)").episodeReturns))
            }
        }
        rolloutReturns.sort { $0.iteration < $1.iteration }
        if entries.contains("test.h5") {
            let test = try Transitions.read(from: folder + "/test.h5")
            testReturns = test.episodeReturns
            if let modelFile, let first = test.episodeRanges.first {
                let (model, _) = try DynamicsModel.read(fromFile: folder + "/" + modelFile)
                let o = test.observationSize, a = test.actionSize
                var state = Array(test.observations[(first.lowerBound * o)..<((first.lowerBound + 1) * o)])
                trueTrajectory = [state]
                predictedTrajectory = [state]
                for t in first {
                    trueTrajectory.append(Array(test.nextObservations[(t * o)..<((t + 1) * o)]))
                    state = model.predictNextObservations(observations: state, actions: Array(test.actions[(t * a)..<((t + 1) * a)]))
                    predictedTrajectory.append(state)
                }
            }
        }
        for entry in ((try? fm.contentsOfDirectory(atPath: folder + "/params")) ?? []).sorted() {
            let text = (try? String(contentsOfFile: "\(folder)/params/\(entry)", encoding: .utf8)) ?? ""
            parameters.append((entry, text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        for entry in entries where entry.hasSuffix(".h5") {
            guard let root = try? HDF5File.open(at: "\(folder)/\(entry)").root else { continue }
            func attribute(_ name: String) -> String { (try? root.stringAttribute(name)) ?? "" }
            provenance.append(Provenance(file: entry, format: attribute("format"), command: attribute("command"),
                                         seed: (try? root.intAttribute("seed")) ?? 0, inputs: attribute("inputs")))
        }
    }
}
