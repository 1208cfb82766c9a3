import Foundation
import MBRLEnvironments

/// The side view of every MuJoCo task, from the model's own geometry: qpos goes through MuJoCo's
/// forward kinematics (`MuJoCoEnvironment.visibleGeoms(qpos:)`), and each visible geom (not the floor
/// plane, not a transparent or hidden one) is projected onto the x–z plane (x right, z up):
///
/// - capsule: the capsule between its end points (centre ± half-length along its local z axis), with its radius;
/// - cylinder: the same, as a capsule;
/// - sphere: a circle; ellipsoid: a circle of its largest semi-axis;
/// - box: the rectangle of the two local axes that lie most in the x–z plane (4 points).
///
/// The list has one shape per visible geom in the model's order, so its shape never changes. The view
/// follows the root (qpos[0], the root's x in all four tasks) over the floor plane's height, with a
/// distance mark every metre.
///
/// The pose is the observation's; the coordinates the observation leaves out (the root's x, and y for
/// Swimmer and Ant) come from the recorded state when there is one, else from `qpos0`. So a model's
/// predicted observation is drawn at the real root position of its step.
extension MuJoCoGeom {
    /// This geom projected onto the x–z plane, as a body part.
    var sideShape: SidePrimitive {
        let c = center, size = self.size
        switch kind {
        case .capsule, .cylinder:
            let z = axes[2], h = size[1]
            return SidePrimitive(
                .capsule(
                    from: SidePoint(c[0] - z[0] * h, c[2] - z[2] * h), to: SidePoint(c[0] + z[0] * h, c[2] + z[2] * h),
                    radius: size[0]), .body)
        case .sphere:
            return SidePrimitive(.circle(center: SidePoint(c[0], c[2]), radius: size[0]), .body)
        case .box:
            // Drop the local axis pointing most along y (into the picture); span the other two.
            let depth = (0..<3).max { abs(axes[$0][1]) < abs(axes[$1][1]) }!
            let (i, k) = [(1, 2), (0, 2), (0, 1)][depth]
            let a = axes[i].map { $0 * size[i] }, b = axes[k].map { $0 * size[k] }
            let corners = [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)].map { s, t in
                SidePoint(c[0] + s * a[0] + t * b[0], c[2] + s * a[2] + t * b[2])
            }
            return SidePrimitive(.polygon(corners), .body)
        case .ellipsoid, .other:
            return SidePrimitive(.circle(center: SidePoint(c[0], c[2]), radius: size.max()!), .body)
        }
    }
}

extension SideView where Self: MuJoCoEnvironment {
    /// The x–z shapes of the visible geoms at `qpos`.
    func sideShapes(qpos: [Double]) -> [SidePrimitive] { visibleGeoms(qpos: qpos).map(\.sideShape) }

    /// How many leading qpos values the observation leaves out (1 for HalfCheetah and Hopper, 2 for
    /// Swimmer and Ant).
    var sideViewOmittedCoordinates: Int { nq - (observationSize - (stateSize - nq)) }

    /// The qpos a side view draws: the omitted root coordinates from `state` (or qpos0), the rest
    /// from the observation.
    public func sideViewQpos(observation: [Float], state: [Double]?) -> [Double] {
        let k = sideViewOmittedCoordinates
        let root = state.map { Array($0.prefix(k)) } ?? Array(referenceQpos.prefix(k))
        return root + observation.prefix(nq - k).map(Double.init)
    }

    /// A square around the root, about 1.4 times the model's extent at qpos0, its bottom just below the floor.
    public var sideViewBounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let q0 = referenceQpos, floor = floorHeight
        var (minX, maxX, maxZ) = (0.0, 0.0, floor)
        for shape in sideShapes(qpos: q0) {
            let p = shape.shape.parameters
            let r: Double, points: [Double]
            switch shape.shape {
            case .capsule: (r, points) = (p[4], Array(p[0..<4]))
            case .circle: (r, points) = (p[2], Array(p[0..<2]))
            default: (r, points) = (0, p)
            }
            for i in stride(from: 0, to: points.count - 1, by: 2) {
                minX = min(minX, points[i] - q0[0] - r); maxX = max(maxX, points[i] - q0[0] + r)
                maxZ = max(maxZ, points[i + 1] + r)
            }
        }
        let span = max(maxX - minX, maxZ - floor) * 1.4 + 0.2
        let bottom = floor - 0.12 * span
        return (-span / 2, bottom, span / 2, bottom + span)
    }

    public var sideViewStepSeconds: Double { dt }
    public var sideViewActionDescription: String { "" }
    public var sideViewPlacementNote: String {
        "The model predicts no root position (the observation leaves out the root's "
            + (sideViewOmittedCoordinates > 1 ? "x and y" : "x") + "), so the ghost is placed at the real root "
            + "position of each step: "
            + "it shows the predicted pose and height, not the predicted forward progress. "
            + "The view follows the real root; the ground has a mark every \(Int(sideViewGround?.markSpacing ?? 1)) "
            + "m (a longer one every 5 m)."
    }
    public var sideViewGround: (y: Double, markSpacing: Double)? { (floorHeight, 1) }

    public func sideViewCamera(observation: [Float], state: [Double]?) -> Double {
        sideViewQpos(observation: observation, state: state)[0]
    }

    public func sideView(observation: [Float], state: [Double]?, action: [Float]) -> [SidePrimitive] {
        sideShapes(qpos: sideViewQpos(observation: observation, state: state))
    }
}

extension HalfCheetah: SideView {}
extension Hopper: SideView {}
extension Swimmer: SideView {}
extension Ant: SideView {}
