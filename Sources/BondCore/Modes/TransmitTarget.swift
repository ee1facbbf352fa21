/// Where a frame from the bond device goes.
public enum TransmitTarget: Hashable, Sendable {
    case member(Int)
    /// On this member, with the member's own MAC written as the frame's source
    /// (balance-tlb/alb on a member that is not the active one).
    case memberWithOwnSource(Int)
    /// As `memberWithOwnSource`, and the ARP sender hardware address too (balance-alb's
    /// replies to a client, teaching it this member's MAC).
    case memberAnnouncingOwnMAC(Int)
    case allMembers
    /// No member can take it (none up): counted as a drop.
    case drop
}
