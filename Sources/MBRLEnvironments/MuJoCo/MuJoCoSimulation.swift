import CMuJoCo
import Foundation
import MBRLCore

/// One MJCF file's text, embedded in the program (`MuJoCoModelFiles`).
struct MuJoCoModelFile {
    var name: String
    var text: String
}

/// A compiled MuJoCo model (`mjModel`), read-only once loaded, shared by every simulation of its task.
///
/// Models are compiled from the embedded MJCF text through MuJoCo's virtual file system, so nothing is
/// read from disk. Each task's model is compiled once per process (`MuJoCoModel.halfCheetah`, ...).
final class MuJoCoModel: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<mjModel>
    let file: MuJoCoModelFile
    /// A data `visibleGeoms(qpos:)` runs forward kinematics on, one caller at a time.
    let scratchLock = NSLock()
    var scratchData: UnsafeMutablePointer<mjData>?

    /// Compiles `file`; a model that does not compile is a broken build, so this stops the program.
    init(_ file: MuJoCoModelFile) {
        mbrl_mj_install_handlers()
        var error = [CChar](repeating: 0, count: 1000)
        let bytes = Array(file.text.utf8)
        let model = bytes.withUnsafeBufferPointer { xml in
            xml.withMemoryRebound(to: CChar.self) { text in
                mbrl_mj_load_xml_from_memory(file.name, text.baseAddress, Int32(text.count), &error, Int32(error.count))
            }
        }
        guard let model else {
            fatalError("MuJoCo cannot compile the embedded \(file.name): \(String(cString: error))")
        }
        pointer = model
        self.file = file
    }

    deinit {
        if let scratchData { mj_deleteData(scratchData) }
        mj_deleteModel(pointer)
    }

    static let halfCheetah = MuJoCoModel(MuJoCoModelFiles.halfCheetah)
    static let hopper = MuJoCoModel(MuJoCoModelFiles.hopper)
    static let swimmer = MuJoCoModel(MuJoCoModelFiles.swimmer)
    static let ant = MuJoCoModel(MuJoCoModelFiles.ant)

    var nq: Int { Int(pointer.pointee.nq) }
    var nv: Int { Int(pointer.pointee.nv) }
    var nu: Int { Int(pointer.pointee.nu) }
    /// The physics time step, `opt.timestep`.
    var timestep: Double { pointer.pointee.opt.timestep }
    /// The model's reference configuration `qpos0` (Gymnasium's `init_qpos`).
    var qpos0: [Double] { Array(UnsafeBufferPointer(start: pointer.pointee.qpos0, count: nq)) }

    /// The lower and upper control bounds of each actuator (`actuator_ctrlrange`).
    var controlRange: (low: [Float], high: [Float]) {
        let range = UnsafeBufferPointer(start: pointer.pointee.actuator_ctrlrange, count: 2 * nu)
        return ((0..<nu).map { Float(range[2 * $0]) }, (0..<nu).map { Float(range[2 * $0 + 1]) })
    }

    /// The id of the body called `name`.
    func bodyID(_ name: String) -> Int {
        let id = Int(mj_name2id(pointer, Int32(mjOBJ_BODY.rawValue), name))
        precondition(id >= 0, "\(file.name) has no body \(name)")
        return id
    }

    /// The range of every hinge joint with limits (`jnt_limited`, `jnt_range`; radians), by name.
    var limitedHinges: [(name: String, low: Double, high: Double)] {
        let m = pointer.pointee
        return (0..<Int(m.njnt)).compactMap { j in
            guard Int(m.jnt_type[j]) == Int(mjJNT_HINGE.rawValue), m.jnt_limited[j] != 0 else { return nil }
            let name =
                mj_id2name(pointer, Int32(mjOBJ_JOINT.rawValue), Int32(j)).map { String(cString: $0) } ?? "joint\(j)"
            return (name, m.jnt_range[2 * j], m.jnt_range[2 * j + 1])
        }
    }

    /// Names of the generalized coordinates (`qpos`) and velocities (`qvel`), from the joints: a hinge or
    /// slide joint `j` gives `j`; a free joint `j` gives `j.x j.y j.z j.qw j.qx j.qy j.qz` in qpos and
    /// `j.vx j.vy j.vz j.wx j.wy j.wz` in qvel; a ball joint `j.qw ...` and `j.wx ...`.
    var coordinateNames: (qpos: [String], qvel: [String]) {
        var qpos = [String](repeating: "", count: nq), qvel = [String](repeating: "", count: nv)
        let m = pointer.pointee
        for j in 0..<Int(m.njnt) {
            let name =
                mj_id2name(pointer, Int32(mjOBJ_JOINT.rawValue), Int32(j)).map { String(cString: $0) } ?? "joint\(j)"
            let p = Int(m.jnt_qposadr[j]), v = Int(m.jnt_dofadr[j])
            switch Int(m.jnt_type[j]) {
            case Int(mjJNT_FREE.rawValue):
                for (k, s) in ["x", "y", "z", "qw", "qx", "qy", "qz"].enumerated() { qpos[p + k] = "\(name).\(s)" }
                for (k, s) in ["vx", "vy", "vz", "wx", "wy", "wz"].enumerated() { qvel[v + k] = "\(name).\(s)" }
            case Int(mjJNT_BALL.rawValue):
                for (k, s) in ["qw", "qx", "qy", "qz"].enumerated() { qpos[p + k] = "\(name).\(s)" }
                for (k, s) in ["wx", "wy", "wz"].enumerated() { qvel[v + k] = "\(name).\(s)" }
            default:
                qpos[p] = name
                qvel[v] = name
            }
        }
        return (qpos, qvel)
    }
}

/// A MuJoCo simulation of one model: the model and the data (`mjData`) that this value owns, with
/// value semantics (a copy of a simulation copies its data before either one steps).
///
/// The state, as the environments store and restore it, is (qpos, qvel) in Float64, `nq + nv` values,
/// as Gymnasium's `set_state` and D4RL's `infos/qpos`, `infos/qvel`. That is not all of MuJoCo's
/// state: the constraint solver's warm start (`qacc_warmstart`) and the body positions of the last
/// forward pass (`xpos`, which Ant's reward reads) carry over from step to step. `reset` clears them as
/// Gymnasium's `reset` does (`mj_resetData`, then the state, then `mj_forward`), so an episode replayed
/// from its initial state is bit-identical; a restart from a state in the middle of an episode is not.
struct MuJoCoSimulation {
    private final class Storage {
        let model: MuJoCoModel
        let data: UnsafeMutablePointer<mjData>

        init(model: MuJoCoModel) {
            self.model = model
            guard let data = mj_makeData(model.pointer) else { fatalError("MuJoCo cannot allocate its data") }
            self.data = data
        }

        init(copying other: Storage) {
            model = other.model
            guard let data = mj_makeData(model.pointer) else { fatalError("MuJoCo cannot allocate its data") }
            mj_copyData(data, model.pointer, other.data)
            self.data = data
        }

        deinit { mj_deleteData(data) }
    }

    private var storage: Storage
    let model: MuJoCoModel
    /// `nq`, `nv`, `nu` of the model.
    let nq: Int, nv: Int, nu: Int
    /// Physics steps per environment step (Gymnasium's `frame_skip`).
    let frameSkip: Int
    /// Seconds per environment step, `timestep · frameSkip`, computed as Gymnasium's `dt` is.
    let dt: Double

    init(model: MuJoCoModel, frameSkip: Int) {
        self.model = model
        storage = Storage(model: model)
        nq = model.nq
        nv = model.nv
        nu = model.nu
        self.frameSkip = frameSkip
        dt = model.timestep * Double(frameSkip)
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
    }

    /// `qpos[i]`.
    func qpos(_ i: Int) -> Double { storage.data.pointee.qpos[i] }
    /// `qvel[i]`.
    func qvel(_ i: Int) -> Double { storage.data.pointee.qvel[i] }
    /// The generalized positions.
    var qpos: [Double] { Array(UnsafeBufferPointer(start: storage.data.pointee.qpos, count: nq)) }
    /// The generalized velocities.
    var qvel: [Double] { Array(UnsafeBufferPointer(start: storage.data.pointee.qvel, count: nv)) }
    /// (qpos, qvel), `nq + nv` values: Gymnasium's `state_vector()`.
    var state: [Double] { qpos + qvel }

    /// Component `axis` (0: x, 1: y, 2: z) of body `body`'s position as of the last forward pass
    /// (`xpos`, Gymnasium's `get_body_com`); after `step` that is the pass of its last physics step,
    /// that is, before that step's integration.
    func bodyPosition(_ body: Int, axis: Int) -> Double { storage.data.pointee.xpos[3 * body + axis] }

    /// MuJoCo's message for the first warning since the last `reset`, or nil. A bad number in qpos,
    /// qvel or qacc makes MuJoCo warn and reset the simulation to its reference pose in the middle of
    /// a step, so the state after such a step is not the physics of the state before it.
    var warning: String? {
        mbrl_mj_first_warning(storage.data).map { String(cString: $0) }
    }

    /// Gymnasium's `reset` followed by `set_state(qpos, qvel)`: `mj_resetData`, the state, `mj_forward`.
    mutating func reset(toState state: [Double]) {
        precondition(state.count == nq + nv, "a state of \(model.file.name) is (qpos, qvel), \(nq + nv) values")
        makeUnique()
        let m = model.pointer, d = storage.data
        mj_resetData(m, d)
        for i in 0..<nq { d.pointee.qpos[i] = state[i] }
        for i in 0..<nv { d.pointee.qvel[i] = state[nq + i] }
        mj_forward(m, d)
    }

    /// The state set as `reset(toState:)` sets it, without `mj_resetData` (which clears all of MuJoCo's
    /// memory, most of a step's cost on these models): the state, then the controls, the solver's warm
    /// start, the time and the warnings cleared, then `mj_forward`, which computes the next warm start
    /// from these alone. What the next `step` computes from there is what it computes after
    /// `reset(toState:)`, whatever the simulation did before (`SimulatorDynamicsTests`).
    mutating func restore(toState state: [Double]) {
        precondition(state.count == nq + nv, "a state of \(model.file.name) is (qpos, qvel), \(nq + nv) values")
        precondition(model.pointer.pointee.na == 0, "\(model.file.name) has actuator activations, not in its state")
        makeUnique()
        let m = model.pointer, d = storage.data
        for i in 0..<nq { d.pointee.qpos[i] = state[i] }
        for i in 0..<nv {
            d.pointee.qvel[i] = state[nq + i]
            d.pointee.qacc_warmstart[i] = 0
        }
        for i in 0..<nu { d.pointee.ctrl[i] = 0 }
        d.pointee.time = 0
        mbrl_mj_clear_warnings(d)
        mj_forward(m, d)
    }

    /// Gymnasium's `do_simulation(action, frame_skip)`: the controls are the action's values (Float32
    /// widened, not clipped: MuJoCo clamps them to the actuators' `ctrlrange` itself), then `frameSkip`
    /// calls of `mj_step`. (Gymnasium then calls `mj_rnePostConstraint`, which fills force fields no
    /// state or reward here reads; it is skipped.)
    mutating func step(_ action: [Float]) {
        precondition(action.count == nu, "\(model.file.name) takes \(nu) controls")
        makeUnique()
        let m = model.pointer, d = storage.data
        for i in 0..<nu { d.pointee.ctrl[i] = Double(action[i]) }
        for _ in 0..<frameSkip { mj_step(m, d) }
    }
}

/// Pieces shared by Gymnasium's MuJoCo locomotion tasks.
enum MuJoCoTask {
    /// Gymnasium's `weight * np.sum(np.square(action))` for a float32 action, to the bit: squares and sum
    /// in Float32, the sum in numpy's order (left to right from 0 below 8 values, pairwise from 8 on,
    /// as numpy's `pairwise_sum`), then the weight times the sum in Float64 (NumPy 1.x promotes a Python
    /// float times a float32 scalar to float64).
    static func controlCost(_ action: [Float], weight: Double) -> Double {
        action.withUnsafeBufferPointer { controlCost($0.baseAddress!, count: $0.count, weight: weight) }
    }

    /// `controlCost` of the `count` action values at `action`, without allocating (squares of up to 64
    /// values on the stack).
    @inline(__always)
    static func controlCost(_ action: UnsafePointer<Float>, count: Int, weight: Double) -> Double {
        precondition(count <= 64, "actions of at most 64 values")
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { squares in
            for j in 0..<count { squares[j] = action[j] * action[j] }
            return weight * Double(numpyPairwiseSum(UnsafePointer(squares.baseAddress!), count: count))
        }
    }

    /// numpy's `pairwise_sum` for float32 (numpy/core/src/umath/loops_utils.h.src), added to the
    /// reduction's initial 0.
    static func numpyPairwiseSum(_ a: UnsafePointer<Float>, count n: Int) -> Float {
        if n < 8 {
            var sum: Float = 0
            for i in 0..<n { sum += a[i] }
            return sum
        } else if n <= 128 {
            // Eight running sums, lane by lane (SIMD lanes add exactly as scalars do); no allocation.
            var r = SIMD8<Float>(UnsafeBufferPointer(start: a, count: 8))
            var i = 8
            while i < n - n % 8 {
                r += SIMD8<Float>(UnsafeBufferPointer(start: a + i, count: 8))
                i += 8
            }
            var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                sum += a[i]
                i += 1
            }
            return sum
        } else {
            var half = n / 2
            half -= half % 8
            return numpyPairwiseSum(a, count: half) + numpyPairwiseSum(a + half, count: n - half)
        }
    }

    /// The approximate locomotion reward on `count` rows of predicted observations (row-major,
    /// `observationSize` values) and actions, for models that do not predict Δx:
    /// `forwardRewardWeight` times the mean of the root's x velocity (observation component
    /// `xVelocityIndex`) at the start and at the end of the step, plus `healthyReward`, minus
    /// `controlCostWeight · Σ a²` summed left to right in Float32. The forward term approximates the
    /// true (x' − x)/dt, which the observation cannot give; `MuJoCoTests.testApproximateRewardOnObservations`
    /// bounds the error per task.
    static func locomotionRewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        count: Int, into rewards: UnsafeMutablePointer<Float>, observationSize o: Int, actionSize a: Int,
        xVelocityIndex v: Int, forwardRewardWeight: Double, healthyReward: Double, controlCostWeight: Double
    ) {
        let forwardWeight = Float(forwardRewardWeight), healthy = Float(healthyReward),
            weight = Float(controlCostWeight)
        for i in 0..<count {
            let forward = forwardWeight * 0.5 * (observations[i * o + v] + nextObservations[i * o + v])
            var sum: Float = 0
            for j in 0..<a {
                let u = actions[i * a + j]
                sum += u * u
            }
            rewards[i] = forward + healthy - weight * sum
        }
    }

    /// Uniform noise in [-scale, scale) on each of `base`'s values (Gymnasium's `np_random.uniform`;
    /// drawn from the project's generator, so the values differ from Gymnasium's).
    static func uniformNoise(_ base: [Double], scale: Double, _ rng: inout RandomGenerator) -> [Double] {
        base.map { $0 + rng.uniform(-scale, scale) }
    }

    /// Normal noise `scale · N(0, 1)` on each of `base`'s values (Gymnasium's `standard_normal`).
    static func normalNoise(_ base: [Double], scale: Double, _ rng: inout RandomGenerator) -> [Double] {
        base.map { $0 + scale * rng.normal() }
    }
}
