import MBRLEnvironments

/// A point of an environment's side view, in world units with y pointing up.
public struct SidePoint: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// One shape of a side view, in world coordinates (y up).
public enum SideShape: Equatable, Sendable {
    /// A stadium: the segment `from`–`to` thickened by `radius` with round ends (a rod, a limb).
    case capsule(from: SidePoint, to: SidePoint, radius: Double)
    case circle(center: SidePoint, radius: Double)
    /// An open arc around `center`, from angle `start` (radians, counterclockwise from +x) over
    /// `sweep` radians (negative: clockwise).
    case arc(center: SidePoint, radius: Double, start: Double, sweep: Double)
    /// A closed filled polygon (e.g. an arrowhead).
    case polygon([SidePoint])

    /// The shape's numbers in a fixed order, as an animation stores them per frame: capsule
    /// `x1 y1 x2 y2 r`, circle `cx cy r`, arc `cx cy r start sweep`, polygon `x1 y1 x2 y2 …`.
    public var parameters: [Double] {
        switch self {
        case let .capsule(a, b, r): return [a.x, a.y, b.x, b.y, r]
        case let .circle(c, r): return [c.x, c.y, r]
        case let .arc(c, r, start, sweep): return [c.x, c.y, r, start, sweep]
        case let .polygon(points): return points.flatMap { [$0.x, $0.y] }
        }
    }

    /// `capsule`, `circle`, `arc` or `polygon`.
    public var kind: String {
        switch self {
        case .capsule: return "capsule"
        case .circle: return "circle"
        case .arc: return "arc"
        case .polygon: return "polygon"
        }
    }
}

/// What a shape stands for, which decides how a drawing styles it.
public enum SidePart: String, Sendable {
    /// Does not move with the state (a pivot, the ground).
    case fixed
    /// Moves with the observation (a rod, a bob): the parts a model's predicted observation redraws.
    case body
    /// Shows the action (a torque arc, a force arrow); its size and direction follow the action.
    case action
}

public struct SidePrimitive: Equatable, Sendable {
    public var shape: SideShape
    public var part: SidePart
    public init(_ shape: SideShape, _ part: SidePart) { self.shape = shape; self.part = part }
}

/// An environment's 2-D side view: the geometry a drawing needs, and nothing about drawing.
///
/// `sideView(observation:state:action:)` maps an observation (recorded or predicted by a model), the
/// recorded simulator state at that step when the data has one (MuJoCo's qpos then qvel, `infos/qpos`
/// and `infos/qvel`; nil otherwise), and an action to shapes in world coordinates. The observation
/// decides the pose; the state only supplies what the observation leaves out (a MuJoCo root's x),
/// so a model's predicted observation drawn with the real state is placed at the real root position.
/// It must give the same list shape (count, kinds and parts in the same order, polygons with the
/// same number of points) for every input, so an animation can keep one drawn element per shape and
/// move it from frame to frame; it must accept observations a model predicts (e.g. a cos/sin pair
/// off the unit circle) and give finite numbers for finite input.
public protocol SideView {
    /// The world rectangle every frame fits in, relative to the frame's camera (`sideViewCamera`):
    /// minimum and maximum x and y.
    var sideViewBounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) { get }
    /// Seconds of simulated time per step (an animation's real-time frame interval).
    var sideViewStepSeconds: Double { get }
    /// What the `.action` shapes show, for a legend, e.g. `the torque: …`; empty when there are none.
    var sideViewActionDescription: String { get }
    /// The ground: its height and the spacing of its distance marks (world units), or nil for none.
    var sideViewGround: (y: Double, markSpacing: Double)? { get }
    /// How the view places a model's predicted observation, for a legend; empty when the observation
    /// places it fully.
    var sideViewPlacementNote: String { get }
    /// The horizontal position the view follows at a step (e.g. the root's x); 0 for a fixed view.
    func sideViewCamera(observation: [Float], state: [Double]?) -> Double
    func sideView(observation: [Float], state: [Double]?, action: [Float]) -> [SidePrimitive]
}

extension SideView {
    public var sideViewGround: (y: Double, markSpacing: Double)? { nil }
    public var sideViewPlacementNote: String { "" }
    public func sideViewCamera(observation: [Float], state: [Double]?) -> Double { 0 }
    /// The side view of an observation without a simulator state.
    public func sideView(observation: [Float], action: [Float]) -> [SidePrimitive] {
        sideView(observation: observation, state: nil, action: action)
    }
}

extension SideShape {
    /// The shape moved by `dx` along x.
    public func shifted(x dx: Double) -> SideShape {
        func m(_ p: SidePoint) -> SidePoint { SidePoint(p.x + dx, p.y) }
        switch self {
        case let .capsule(a, b, r): return .capsule(from: m(a), to: m(b), radius: r)
        case let .circle(c, r): return .circle(center: m(c), radius: r)
        case let .arc(c, r, start, sweep): return .arc(center: m(c), radius: r, start: start, sweep: sweep)
        case let .polygon(points): return .polygon(points.map(m))
        }
    }
}

extension EnvironmentName {
    /// The environment's side view, or nil when it has none.
    public func makeSideView() -> (any SideView)? { make() as? any SideView }
}
