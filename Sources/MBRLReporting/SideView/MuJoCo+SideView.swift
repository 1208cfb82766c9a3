import CMuJoCo
import Foundation
import MBRLEnvironments

/// The side view of every MuJoCo task, from the model's own geometry: qpos goes through MuJoCo's
/// forward kinematics (`mj_kinematics`, on a scratch `mjData`), and each visible geom (not the floor
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
extension MuJoCoModel {
    static func shared(named name: String) -> MuJoCoModel {
        for model in [halfCheetah, hopper, swimmer, ant] where model.file.name == name { return model }
        fatalError("no embedded MuJoCo model \(name)")
    }

    /// The geoms a side view draws: every geom but planes, transparent ones and groups 3 and above
    /// (which MuJoCo's viewer hides by default).
    var visibleGeoms: [Int] {
        let m = pointer.pointee
        return (0..<Int(m.ngeom)).filter { g in
            Int(m.geom_type[g]) != Int(mjGEOM_PLANE.rawValue) && m.geom_rgba[4 * g + 3] > 0 && m.geom_group[g] < 3
        }
    }

    /// The height of the floor: the first plane geom's z, 0 without one.
    var floorHeight: Double {
        let m = pointer.pointee
        for g in 0..<Int(m.ngeom) where Int(m.geom_type[g]) == Int(mjGEOM_PLANE.rawValue) {
            return m.geom_pos[3 * g + 2]
        }
        return 0
    }

    /// The x–z shapes of the visible geoms at `qpos` (non-finite values are replaced by `qpos0`'s,
    /// quaternions normalized).
    func sideShapes(qpos input: [Double]) -> [SidePrimitive] {
        precondition(input.count == nq, "\(file.name): qpos has \(nq) values")
        let m = pointer.pointee
        var qpos = zip(input, qpos0).map { $0.isFinite ? $0 : $1 }
        for j in 0..<Int(m.njnt) {
            let type = Int(m.jnt_type[j]), adr = Int(m.jnt_qposadr[j])
            let start = type == Int(mjJNT_FREE.rawValue) ? adr + 3 : type == Int(mjJNT_BALL.rawValue) ? adr : -1
            guard start >= 0 else { continue }
            let norm = (start..<start + 4).map { qpos[$0] * qpos[$0] }.reduce(0, +).squareRoot()
            for i in start..<start + 4 { qpos[i] = norm > 1e-9 ? qpos[i] / norm : (i == start ? 1 : 0) }
        }
        let geoms = visibleGeoms
        var shapes: [SidePrimitive] = []
        shapes.reserveCapacity(geoms.count)
        scratchLock.lock()
        defer { scratchLock.unlock() }
        if scratchData == nil { scratchData = mj_makeData(pointer) }
        guard let d = scratchData else { fatalError("MuJoCo cannot allocate its data") }
        for i in 0..<nq { d.pointee.qpos[i] = qpos[i] }
        mj_kinematics(pointer, d)
        for g in geoms {
            let c = (0..<3).map { d.pointee.geom_xpos[3 * g + $0] }
            // geom_xmat is row-major: column k is the geom's local axis k in world coordinates.
            let axis = { (k: Int) in (0..<3).map { d.pointee.geom_xmat[9 * g + 3 * $0 + k] } }
            let size = (0..<3).map { m.geom_size[3 * g + $0] }
            let center = SidePoint(c[0], c[2])
            switch Int(m.geom_type[g]) {
            case Int(mjGEOM_CAPSULE.rawValue), Int(mjGEOM_CYLINDER.rawValue):
                let z = axis(2), h = size[1]
                shapes.append(SidePrimitive(.capsule(from: SidePoint(c[0] - z[0] * h, c[2] - z[2] * h),
                            to: SidePoint(c[0] + z[0] * h, c[2] + z[2] * h), radius: size[0]), .body))
            case Int(mjGEOM_SPHERE.rawValue):
                shapes.append(SidePrimitive(.circle(center: center, radius: size[0]), .body))
            case Int(mjGEOM_BOX.rawValue):
                // Drop the local axis pointing most along y (into the picture); span the other two.
                let axes = (0..<3).map(axis)
                let depth = (0..<3).max { abs(axes[$0][1]) < abs(axes[$1][1]) }!
                let (i, k) = [(1, 2), (0, 2), (0, 1)][depth]
                let a = axes[i].map { $0 * size[i] }, b = axes[k].map { $0 * size[k] }
                let corners = [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)].map { s, t in
                    SidePoint(c[0] + s * a[0] + t * b[0], c[2] + s * a[2] + t * b[2])
                }
                shapes.append(SidePrimitive(.polygon(corners), .body))
            default:
                shapes.append(SidePrimitive(.circle(center: center, radius: size.max()!), .body))
            }
        }
        return shapes
    }
}

extension SideView where Self: MuJoCoEnvironment {
    var sideViewModel: MuJoCoModel { MuJoCoModel.shared(named: Self.modelFileName) }

    /// How many leading qpos values the observation leaves out (1 for HalfCheetah and Hopper, 2 for
    /// Swimmer and Ant).
    var sideViewOmittedCoordinates: Int { nq - (observationSize - (stateSize - nq)) }

    /// The qpos a side view draws: the omitted root coordinates from `state` (or qpos0), the rest
    /// from the observation.
    public func sideViewQpos(observation: [Float], state: [Double]?) -> [Double] {
        let k = sideViewOmittedCoordinates
        let root = state.map { Array($0.prefix(k)) } ?? Array(sideViewModel.qpos0.prefix(k))
        return root + observation.prefix(nq - k).map(Double.init)
    }

    /// A square around the root, about 1.4 times the model's extent at qpos0, its bottom just below the floor.
    public var sideViewBounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let model = sideViewModel
        let q0 = model.qpos0
        var (minX, maxX, maxZ) = (0.0, 0.0, model.floorHeight)
        for shape in model.sideShapes(qpos: q0) {
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
        let span = max(maxX - minX, maxZ - model.floorHeight) * 1.4 + 0.2
        let bottom = model.floorHeight - 0.12 * span
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
    public var sideViewGround: (y: Double, markSpacing: Double)? { (sideViewModel.floorHeight, 1) }

    public func sideViewCamera(observation: [Float], state: [Double]?) -> Double {
        sideViewQpos(observation: observation, state: state)[0]
    }

    public func sideView(observation: [Float], state: [Double]?, action: [Float]) -> [SidePrimitive] {
        sideViewModel.sideShapes(qpos: sideViewQpos(observation: observation, state: state))
    }
}

extension HalfCheetah: SideView {}
extension Hopper: SideView {}
extension Swimmer: SideView {}
extension Ant: SideView {}
