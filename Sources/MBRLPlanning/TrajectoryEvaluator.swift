import Dispatch
import MBRLCore
import MBRLModels

/// Scores candidate action sequences on the dynamics: the shared inner loop of every planner.
///
/// `sequences` holds `count` candidates of `horizon` steps in step-major layout (H, K, act): the
/// actions of step h for all candidates are contiguous, so each step is one batched prediction of all
/// candidates. The candidates are split into `threads` contiguous chunks, each run by its own worker
/// with its own copy of the dynamics and its own buffers (BLAS itself runs single-threaded inside);
/// all memory is allocated at construction, none per call.
public final class TrajectoryEvaluator {
    public let objective: PlanningObjective
    public let capacity: Int
    public let horizon: Int
    /// γ in (0, 1]: the return is Σₕ γʰ·rₕ.
    public let discount: Float
    public let threads: Int
    /// Particles per candidate (the dynamics'); a candidate's return is the mean over its particles.
    public let particles: Int
    /// Whether `evaluate` needs a seed (the dynamics draw random numbers).
    public var isStochastic: Bool { workers[0].dynamics.isStochastic }
    private let workers: [Worker]
    /// The return of each candidate after `evaluate`.
    public let returns: Buffer<Float>

    final class Worker {
        let dynamics: BatchDynamics
        let states: Buffer<Float>, next: Buffer<Float>, stepRewards: Buffer<Float>
        /// The step's auxiliary predictions (rows × the objective's `auxiliarySize`), e.g. Δx.
        let auxiliary: Buffer<Float>
        let alive: Buffer<UInt8>, terminal: UnsafeMutablePointer<Bool>
        /// Per particle row: the step's action (copied per particle) and the return so far.
        let actions: Buffer<Float>, totals: Buffer<Float>
        /// The objective's terminal value on this worker's rows, and the values of the last states.
        let value: ValueFunction.Evaluator?, values: Buffer<Float>
        let rows: Int

        init(dynamics: BatchDynamics, rows: Int, objective: PlanningObjective) {
            self.dynamics = dynamics
            self.rows = rows
            states = Buffer(count: rows * objective.observationSize)
            next = Buffer(count: rows * objective.observationSize)
            stepRewards = Buffer(count: rows)
            auxiliary = Buffer(count: rows * objective.auxiliarySize)
            actions = Buffer(count: dynamics.particles > 1 ? rows * objective.actionSize : 0)
            totals = Buffer(count: rows)
            alive = Buffer(count: rows)
            terminal = .allocate(capacity: max(rows, 1))
            terminal.initialize(repeating: false, count: max(rows, 1))
            value = objective.terminalValue.map { ValueFunction.Evaluator($0, rows: max(rows, 1)) }
            values = Buffer(count: value == nil ? 0 : rows)
        }

        deinit { terminal.deallocate() }
    }

    /// Bytes one worker's buffers take for `rows` rows (candidates × particles), besides its dynamics,
    /// bounded from above: per row three observations' room (states, next states) and two actions'
    /// (the per-particle actions), and four values for the reward, the return, the auxiliary value and
    /// the alive and terminal flags, each counted as a Float32; nil on overflow. A terminal value's
    /// evaluator is counted apart (`ValueFunction.evaluatorBytes`).
    public static func workerBytes(rows: Int, observationSize: Int, actionSize: Int) -> Int? {
        let perRow = MemoryBudget.sum([
            MemoryBudget.product([3, observationSize]), MemoryBudget.product([2, actionSize]), 4
        ])
        return MemoryBudget.product([rows, perRow ?? -1, 4])
    }

    /// - Parameters:
    ///   - dynamics: the model; copied for every worker after the first.
    ///   - capacity: the most candidates one call scores.
    ///   - discount: γ of the rewards along the horizon.
    ///   - threads: workers to split the candidates across (1 or more).
    public init(
        dynamics: BatchDynamics, objective: PlanningObjective, capacity: Int, horizon: Int, discount: Float = 1,
        threads: Int = 1
    ) {
        precondition(capacity > 0 && horizon > 0 && threads > 0 && discount > 0 && discount <= 1)
        self.objective = objective
        self.discount = discount
        self.capacity = capacity
        self.horizon = horizon
        let threads = min(threads, capacity)
        self.threads = threads
        let chunk = (capacity + threads - 1) / threads
        let particles = dynamics.particles
        self.particles = particles
        precondition(
            dynamics.capacity >= chunk * particles,
            "the dynamics hold \(dynamics.capacity) rows, a worker "
                + "needs \(chunk * particles)")
        precondition(
            objective.auxiliarySize == 0 || objective.auxiliarySize == dynamics.auxiliarySize,
            "the objective reads \(objective.auxiliarySize) auxiliary values per row, the dynamics "
                + "predict \(dynamics.auxiliarySize)")
        workers = (0..<threads).map { t in
            Worker(dynamics: t == 0 ? dynamics : dynamics.copy(), rows: chunk * particles, objective: objective)
        }
        returns = Buffer(count: capacity)
    }

    /// Scores `count` candidates from `observation`; the results are in `returns[0..<count]`. `seed`
    /// seeds the dynamics' random numbers (`isStochastic`); deterministic dynamics ignore it.
    public func evaluate(from observation: [Float], sequences: UnsafePointer<Float>, count: Int, seed: UInt64 = 0) {
        precondition(count <= capacity && observation.count == objective.observationSize)
        let chunk = (count + threads - 1) / threads
        if threads == 1 {
            run(workers[0], observation: observation, sequences: sequences, range: 0..<count, count: count, seed: seed)
            return
        }
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let start = min(t * chunk, count), end = min(start + chunk, count)
            if start < end {
                run(
                    workers[t], observation: observation, sequences: sequences, range: start..<end, count: count,
                    seed: seed)
            }
        }
    }

    /// A seed for `evaluate` from the planner's generator when the dynamics need one; otherwise 0 and
    /// nothing is drawn (deterministic models keep their planners' random streams unchanged).
    func seed(using rng: inout RandomGenerator) -> UInt64 { isStochastic ? rng.next() : 0 }

    /// The inner loop for candidates `range`: predict, reward, accumulate, step by step.
    ///
    /// The reward of step h is r(sₕ, aₕ, sₕ₊₁), or with auxiliary predictions r(sₕ, aₕ, sₕ₊₁, ρₕ)
    /// (`PlanningObjective.auxiliarySize`). When the objective's reward does not read the next
    /// observation (`rewardReadsNextObservation` false, e.g. Pendulum's cost on the pre-step state),
    /// the last step's prediction, which only that reward could use, is skipped: H − 1 predictions.
    private func run(
        _ w: Worker, observation: [Float], sequences: UnsafePointer<Float>, range: Range<Int>, count: Int, seed: UInt64
    ) {
        let o = objective.observationSize, a = objective.actionSize, n = range.count, p = particles, rows = n * p
        var states = w.states.pointer, next = w.next.pointer
        for r in 0..<rows { for j in 0..<o { states[r * o + j] = observation[j] } }
        let total = w.totals.pointer
        total.update(repeating: 0, count: rows)
        let alive = w.alive.pointer
        alive.update(repeating: 1, count: rows)
        var weight: Float = 1
        let auxiliary = objective.auxiliarySize > 0 ? w.auxiliary.pointer : nil
        // A terminal value reads the last step's prediction too.
        let readsNext = objective.rewardReadsNextObservation || auxiliary != nil || w.value != nil
        let afterTermination = objective.costAfterTermination
        for h in 0..<horizon {
            // Step h's actions of these candidates are contiguous in the (H, K, act) layout; with
            // particles, row q·n + c (particle q of candidate c) takes candidate c's action.
            var actions = sequences + (h * count + range.lowerBound) * a
            if p > 1 {
                for q in 0..<p { (w.actions.pointer + q * n * a).update(from: actions, count: n * a) }
                actions = UnsafePointer(w.actions.pointer)
            }
            let last = h == horizon - 1
            if readsNext || !last {
                w.dynamics.predict(
                    observations: states, actions: actions, count: rows, into: next, auxiliary: auxiliary,
                    context: PredictionContext(seed: seed, step: h, firstCandidate: range.lowerBound))
            }
            // Without a prediction (the last step, reward not reading it) `next` is not read.
            objective.rewards(
                observations: states, actions: actions, nextObservations: next,
                auxiliary: auxiliary.map { UnsafePointer($0) },
                count: rows, into: w.stepRewards.pointer)
            let stepRewards = w.stepRewards.pointer
            // Without a cost after termination, the loop that has always run, so that objectives
            // without bands keep their bits (a dead row's NaN reward still spoils its total, as before).
            if afterTermination == 0 {
                for r in 0..<rows { total[r] += weight * Float(alive[r]) * stepRewards[r] }
            } else {
                for r in 0..<rows { total[r] += alive[r] != 0 ? weight * stepRewards[r] : -weight * afterTermination }
            }
            weight *= discount
            if last, w.value == nil { break }
            if let isTerminal = objective.isTerminal {
                isTerminal(next, rows, w.terminal)
                for r in 0..<rows where w.terminal[r] { alive[r] = 0 }
            }
            if last, let value = w.value {
                // γᴴ · V(s_H) for the rows the last step did not end.
                let values = w.values.pointer
                value.values(next, count: rows, into: values)
                for r in 0..<rows where alive[r] != 0 { total[r] += weight * values[r] }
                break
            }
            swap(&states, &next)
        }
        // A candidate's return: the mean over its particles.
        let returns = self.returns.pointer + range.lowerBound
        for c in 0..<n {
            var sum: Float = 0
            for q in 0..<p { sum += total[q * n + c] }
            returns[c] = p == 1 ? sum : sum / Float(p)
        }
    }
}
