import MBRLCore

/// A network's PyTorch `state_dict` as HDF5 datasets, one per key, with PyTorch's shapes.
extension MLP {
    /// Writes every `state_dict` key into `group`, in `state_dict` order. Throws, writing nothing,
    /// when a value breaks a rule `loadStateDict` enforces (`stateDictProblem`).
    func writeStateDict(to group: HDF5Group) throws {
        if let problem = stateDictProblem {
            throw HDF5Error(path: group.file.displayPath, "not written: \(problem)")
        }
        let parameters = self.parameters.array, buffers = self.buffers.array
        for key in layout.stateDictKeys {
            if let entry = layout.parameters.first(where: { $0.name == key }) {
                try ModelTensors.write(entry, of: parameters, to: group)
            } else if let entry = layout.buffers.first(where: { $0.name == key }) {
                try ModelTensors.write(entry, of: buffers, to: group)
            } else {
                try group.writeScalar(batchesTracked, to: key)
            }
        }
    }

    /// Loads every `state_dict` key from `group`, checking presence, exact shape and finite values;
    /// an error names the key and what the network `config` expects.
    func loadStateDict(from group: HDF5Group) throws {
        func load(_ entry: TensorEntry, into buffer: Buffer<Scalar>) throws {
            try ModelTensors.read(entry, from: group, into: buffer, owner: "the network \(config)") {
                Self.valueProblem(entry, $0)
            }
        }
        for entry in layout.parameters { try load(entry, into: parameters) }
        for entry in layout.buffers { try load(entry, into: buffers) }
        if let counter = layout.batchCounterNames.first {
            guard group.contains(counter) else {
                throw group.error(
                    counter,
                    "missing counter (the network \(config) "
                        + "needs it)")
            }
            batchesTracked = try group.readScalar(counter, as: Int64.self)
        }
    }

    /// The rule every `state_dict` value meets, the one check of the reader (on what it reads) and
    /// of the writer (on what it is about to write): finite (`ModelTensors.nonFiniteProblem`), and no
    /// negative running variance. Returns what is wrong (e.g. `holds an infinity at row 0`), or nil.
    static func valueProblem<C: Collection>(_ entry: TensorEntry, _ values: C) -> String? where C.Element == Scalar {
        if let problem = ModelTensors.nonFiniteProblem(values, shape: entry.shape) { return problem }
        if entry.name.hasSuffix("running_var"), values.contains(where: { $0 < 0 }) {
            return "holds a negative "
                + "variance"
        }
        return nil
    }

    /// The first `state_dict` value of this network its reader would refuse, as
    /// `<key> holds an infinity at row 0`, or nil.
    var stateDictProblem: String? {
        let parameters = self.parameters.array, buffers = self.buffers.array
        for entry in layout.parameters {
            if let problem = Self.valueProblem(entry, parameters[entry.range]) { return "\(entry.name) \(problem)" }
        }
        for entry in layout.buffers {
            if let problem = Self.valueProblem(entry, buffers[entry.range]) { return "\(entry.name) \(problem)" }
        }
        return nil
    }
}
