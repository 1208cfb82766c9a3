import Foundation
import MBRLCore

/// Whether a run folder's results are the outputs its run holds now, read from the stamps Make writes
/// beside them, so that a results table or a kept record never shows a run whose results are older
/// than its settings or its files.
///
/// When a stage's output is made, the Makefile writes `stamps/<file>.params` (the parameters text it was
/// made with, a copy of `params/<stage>`) and `stamps/<file>.sha256` (the SHA-256 of the output and of
/// each input, as `sha256sum` prints them), and at every `make` it writes each stage's parameters text
/// of the current settings into `params/<stage>`. A result is current when its stamp's parameters are
/// the run's current ones and the output and every input still have the content it was made from:
/// what Make itself checks before it leaves an output alone. A run extended with more iterations (a
/// copy of a shorter run, then `make` with a larger ITERS) has `eval.h5` stamped with the old `iters`
/// until `make` remakes it: not current, so not finished.
///
/// A folder without `stamps/` was not made by Make (the stages run by hand, or an older run): nothing
/// to check it against, so it counts as current.
public enum RunStamps {
    /// The results of a finished run, each with the stage whose parameters file (`params/<stage>`) it is
    /// made with.
    public static let results: [(file: String, stage: String)] = [("test.h5", "test"), ("eval.h5", "evaluate")]

    /// Why the results of the run in `folder` are not current (one sentence naming the file), or nil when
    /// they are, or when the folder has no `stamps/`.
    ///
    /// As Make does, a result is not current when a file it was made from is not: the check follows the
    /// files each stamp lists back to the random data, and each stamped one must have been made with the
    /// parameters text one of the run's stages has now (the texts name their program, so two stages'
    /// texts do not coincide) and still have its recorded content.
    public static func staleness(of folder: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder + "/stamps", isDirectory: &isFolder), isFolder.boolValue
        else { return nil }
        var check = Check(folder: folder)
        for (file, stage) in results {
            guard let made = text(folder + "/stamps/\(file).params"), text(folder + "/stamps/\(file).sha256") != nil
            else { return "\(file) has no stamp: make did not finish its stage" }
            if let now = text(folder + "/params/\(stage)"), words(now) != words(made) {
                return "\(file) was made with other settings than the run's (params/\(stage))"
            }
            if let reason = check.staleness(of: file) { return reason }
        }
        return nil
    }

    /// One folder's check: the files already found current, and each file's SHA-256 read once.
    struct Check {
        let folder: String
        /// The current parameters texts of the run's stages (`params/*`), as word lists.
        let stages: Set<[Substring]>
        var current: Set<String> = []
        var hashes: [String: String?] = [:]

        init(folder: String) {
            self.folder = folder
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/params")) ?? []
            let texts = names.filter { !$0.hasPrefix(".") }.compactMap { RunStamps.text(folder + "/params/" + $0) }
            stages = Set(texts.map(RunStamps.words))
        }

        /// Why `file` is not current, or nil: its stamp's content hashes (of it and of each file it was
        /// made from), then each of those files in turn. A file without a stamp (none of the run's
        /// stages made it) is taken as it is.
        mutating func staleness(of file: String) -> String? {
            guard !current.contains(file), let sums = RunStamps.text(folder + "/stamps/\(file).sha256") else {
                return nil
            }
            var inputs: [String] = []
            for line in sums.split(whereSeparator: \.isNewline) {
                let fields = line.split(separator: " ", maxSplits: 1)
                guard fields.count == 2 else { return "stamps/\(file).sha256 is damaged" }
                let name = fields[1].trimmingCharacters(in: .whitespaces)
                guard let sha = hash(name) else { return "\(name), which \(file) was made from, is gone" }
                if sha != fields[0] {
                    return name == file
                        ? "\(file) changed after make made it" : "\(name) changed after \(file) was made from it"
                }
                if name != file { inputs.append(name) }
            }
            for input in inputs {
                if let made = RunStamps.text(folder + "/stamps/\(input).params"),
                    !stages.contains(RunStamps.words(made))
                {
                    return "\(input), which \(file) was made from, was made with other settings than the run's"
                }
                if let reason = staleness(of: input) { return reason }
            }
            current.insert(file)
            return nil
        }

        mutating func hash(_ name: String) -> String? {
            if let known = hashes[name] { return known }
            let sha = try? Provenance.sha256(ofFile: folder + "/" + name)
            hashes[name] = sha
            return sha
        }
    }

    static func text(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// The text's words: Make compares parameters texts after collapsing their white space.
    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isWhitespace)
    }
}
