/// A network's PyTorch `state_dict` as HDF5 datasets, one per key, with PyTorch's shapes.
extension MLP {
    /// Writes every `state_dict` key into `group`, in `state_dict` order.
    func writeStateDict(to group: HDF5Group) throws {
        let parameters = self.parameters.array, buffers = self.buffers.array
        for key in layout.stateDictKeys {
            if let entry = layout.parameters.first(where: { $0.name == key }) {
                try group.write(Array(parameters[entry.range]), shape: entry.shape, to: key)
            } else if let entry = layout.buffers.first(where: { $0.name == key }) {
                try group.write(Array(buffers[entry.range]), shape: entry.shape, to: key)
            } else {
                try group.writeScalar(batchesTracked, to: key)
            }
        }
    }

    /// Loads every `state_dict` key from `group`, checking presence, exact shape and finite values;
    /// an error names the key and what the network `config` expects.
    func loadStateDict(from group: HDF5Group) throws {
        func load(_ entry: ParameterLayout.Entry, into buffer: Buffer<Scalar>) throws {
            guard group.contains(entry.name) else {
                throw group.error(entry.name, "missing weight (the network \(config) needs it)")
            }
            let array = try group.read(entry.name, as: Scalar.self)
            guard array.shape == entry.shape else {
                throw group.error(entry.name, "has shape \(HDF5Group.shapeText(array.shape)), expected \(HDF5Group.shapeText(entry.shape)) for the network \(config)")
            }
            try group.checkFinite(array.values, columns: array.columns, entry.name)
            for (i, v) in array.values.enumerated() { buffer[entry.offset + i] = v }
        }
        for entry in layout.parameters { try load(entry, into: parameters) }
        for entry in layout.buffers {
            try load(entry, into: buffers)
            if entry.name.hasSuffix("running_var"), (entry.range).contains(where: { buffers[$0] < 0 }) {
                throw group.error(entry.name, "holds a negative variance")
            }
        }
        if let counter = layout.batchCounterNames.first {
            guard group.contains(counter) else { throw group.error(counter, "missing counter (the network \(config) needs it)") }
            batchesTracked = try group.readScalar(counter, as: Int64.self)
        }
    }
}
