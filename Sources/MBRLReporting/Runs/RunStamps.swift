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
    public static func staleness(of folder: String) -> String? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder + "/stamps", isDirectory: &isFolder), isFolder.boolValue
        else { return nil }
        for (file, stage) in results {
            if let reason = staleness(of: file, stage: stage, in: folder) { return reason }
        }
        return nil
    }

    /// Why `file` of the run in `folder` is not current, or nil.
    static func staleness(of file: String, stage: String, in folder: String) -> String? {
        guard let made = text(folder + "/stamps/\(file).params"),
            let sums = text(folder + "/stamps/\(file).sha256")
        else { return "\(file) has no stamp: make did not finish its stage" }
        if let now = text(folder + "/params/\(stage)"), words(now) != words(made) {
            return "\(file) was made with other settings than the run's (params/\(stage))"
        }
        for line in sums.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", maxSplits: 1)
            guard fields.count == 2 else { return "stamps/\(file).sha256 is damaged" }
            let name = fields[1].trimmingCharacters(in: .whitespaces)
            guard let sha = try? Provenance.sha256(ofFile: folder + "/" + name) else {
                return "\(name), which \(file) was made from, is gone"
            }
            if sha != fields[0] {
                return name == file
                    ? "\(file) changed after make made it" : "\(name) changed after \(file) was made from it"
            }
        }
        return nil
    }

    private static func text(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// The text's words: Make compares parameters texts after collapsing their white space.
    private static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: \.isWhitespace)
    }
}
