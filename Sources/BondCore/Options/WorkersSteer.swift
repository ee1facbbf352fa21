/// `workers_steer=`: how a bond's fanout groups give frames to its threads (`workers`;
/// bondd's own option, as PACKET_FANOUT's modes).
public enum WorkersSteer: String, Sendable, CaseIterable, Codable {
    /// By a hash of addresses and ports: a flow stays on one thread whichever core
    /// received it, and the threads share the load by flow.
    case flow
    /// By the CPU that received the frame: thread i, pinned to the i-th CPU of
    /// `engine_cpus`, reads what that CPU's softirq took in (its NIC queues' under RSS),
    /// so a frame is moved on the core that received it; what other CPUs receive goes
    /// by flow. Order within a flow holds as long as the flow arrives on one CPU, as RSS
    /// keeps it.
    case cpu
}
