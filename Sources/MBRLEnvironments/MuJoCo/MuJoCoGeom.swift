import CMuJoCo
import Foundation

/// One visible geom of a MuJoCo task's model, placed in the world by forward kinematics at some qpos
/// (`MuJoCoEnvironment.visibleGeoms(qpos:)`): what a picture of the task draws, without MuJoCo's
/// types. Lengths in metres, world coordinates x forward, y to the left, z up.
public struct MuJoCoGeom: Equatable, Sendable {
    /// MuJoCo's geom types a picture tells apart (`mjtGeom`); `other` for meshes and the rest.
    public enum Kind: Equatable, Sendable {
        case capsule, cylinder, sphere, ellipsoid, box, other
    }

    public var kind: Kind
    /// The centre (`geom_xpos`): x, y, z.
    public var center: [Double]
    /// The geom's local axes in world coordinates (the columns of `geom_xmat`): `axes[k]` is local
    /// axis k (x, y, z), a unit vector of 3 values.
    public var axes: [[Double]]
    /// MuJoCo's `geom_size`, 3 values: radius and half-length (capsule, cylinder), radius (sphere),
    /// semi-axes (box, ellipsoid).
    public var size: [Double]
}

extension MuJoCoModel {
    /// The compiled model of the task whose MJCF file is `name` (`MuJoCoEnvironment.modelFileName`).
    static func shared(named name: String) -> MuJoCoModel {
        for model in [halfCheetah, hopper, swimmer, ant] where model.file.name == name { return model }
        fatalError("no embedded MuJoCo model \(name)")
    }

    /// The geoms a picture draws: every geom but planes, transparent ones and groups 3 and above
    /// (which MuJoCo's viewer hides by default), in the model's order.
    var visibleGeomIDs: [Int] {
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

    /// The visible geoms at `qpos` (nq values; non-finite ones are replaced by `qpos0`'s, the free and
    /// ball joints' quaternions normalized), from MuJoCo's forward kinematics (`mj_kinematics`) on a
    /// scratch data, one caller at a time.
    func visibleGeoms(qpos input: [Double]) -> [MuJoCoGeom] {
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
        let ids = visibleGeomIDs
        scratchLock.lock()
        defer { scratchLock.unlock() }
        if scratchData == nil { scratchData = mj_makeData(pointer) }
        guard let d = scratchData else { fatalError("MuJoCo cannot allocate its data") }
        for i in 0..<nq { d.pointee.qpos[i] = qpos[i] }
        mj_kinematics(pointer, d)
        return ids.map { g in
            let kind: MuJoCoGeom.Kind
            switch Int(m.geom_type[g]) {
            case Int(mjGEOM_CAPSULE.rawValue): kind = .capsule
            case Int(mjGEOM_CYLINDER.rawValue): kind = .cylinder
            case Int(mjGEOM_SPHERE.rawValue): kind = .sphere
            case Int(mjGEOM_ELLIPSOID.rawValue): kind = .ellipsoid
            case Int(mjGEOM_BOX.rawValue): kind = .box
            default: kind = .other
            }
            // geom_xmat is row-major: column k is the geom's local axis k in world coordinates.
            return MuJoCoGeom(
                kind: kind, center: (0..<3).map { d.pointee.geom_xpos[3 * g + $0] },
                axes: (0..<3).map { k in (0..<3).map { d.pointee.geom_xmat[9 * g + 3 * $0 + k] } },
                size: (0..<3).map { m.geom_size[3 * g + $0] })
        }
    }
}

extension MuJoCoEnvironment {
    /// The model's reference configuration `qpos0` (Gymnasium's `init_qpos`), nq values.
    public var referenceQpos: [Double] { MuJoCoModel.shared(named: Self.modelFileName).qpos0 }

    /// The height of the floor plane (its z), 0 when the model has none.
    public var floorHeight: Double { MuJoCoModel.shared(named: Self.modelFileName).floorHeight }

    /// The model's visible geoms (not planes, transparent geoms or groups 3 and above) placed at
    /// `qpos` (nq values; non-finite ones taken from `referenceQpos`, quaternions normalized), one per
    /// visible geom in the model's order whatever `qpos` is. It does not touch this environment's own
    /// simulation.
    public func visibleGeoms(qpos: [Double]) -> [MuJoCoGeom] {
        MuJoCoModel.shared(named: Self.modelFileName).visibleGeoms(qpos: qpos)
    }
}
