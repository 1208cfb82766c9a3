/// A joint angle in the observation and the range its joint's stops allow.
public struct JointRange: Equatable {
    /// The joint's name in the task's model file.
    public var name: String
    /// The angle's index in the observation.
    public var observationIndex: Int
    /// The lower stop, in radians.
    public var low: Float
    /// The upper stop, in radians, above `low`.
    public var high: Float

    public init(name: String, observationIndex: Int, low: Float, high: Float) {
        self.name = name
        self.observationIndex = observationIndex
        self.low = low
        self.high = high
    }
}
