import ArgumentParser
import BondControl
import BondCore
import Foundation

struct SocketOption: ParsableArguments {
    @Option(name: .long, help: "Control socket path (default: /run/bondd/BOND.sock).")
    var socket: String?
    @Option(name: .long, help: "Seconds to wait for bondd's answer before giving up (reload: at least 60).")
    var timeout: Double = ControlClient.defaultTimeout

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout: between 0 and 3600 seconds") }
    }

    func path(for bond: String) -> String { socket ?? ControlPaths.socket(for: bond) }

    func request(_ r: ControlRequest, at path: String) -> BondStatus {
        let reply: ControlReply
        do { reply = try ControlClient.send(r, to: path, timeout: timeout) } catch { fail("\(error)") }
        guard reply.ok, let status = reply.status else { fail(reply.error ?? "request failed") }
        return status
    }

    /// Sends a change; on success prints what the daemon said (warnings) to stderr and
    /// returns the bond's status after it.
    func change(_ r: ControlRequest, at path: String) -> BondStatus {
        let reply: ControlReply
        do { reply = try ControlClient.send(r, to: path, timeout: timeout) } catch { fail("\(error)") }
        guard reply.ok, let status = reply.status else { fail(reply.error ?? "request failed") }
        for line in (reply.message ?? "").split(separator: "\n") {
            FileHandle.standardError.write(Data("bondctl: \(line)\n".utf8))
        }
        return status
    }

    /// The status of every bond at `paths`, for commands that show all running bonds
    /// (`names`: only these). A socket nobody answers on, such as one a killed bondd
    /// left, is named on stderr and skipped, so the other bonds are still shown.
    func statusesOfRunningBonds(named names: [String] = []) -> [BondStatus] {
        if let socket { return [request(ControlRequest(command: .show), at: socket)] }
        let paths = names.isEmpty ? runningSockets() : names.map(path(for:))
        if paths.isEmpty { fail("no bonds are running (no control sockets in \(ControlPaths.directory)); start one with bondd") }
        if !names.isEmpty { return paths.map { request(ControlRequest(command: .show), at: $0) } }
        var statuses: [BondStatus] = []
        for p in paths {
            do {
                let reply = try ControlClient.send(ControlRequest(command: .show), to: p, timeout: timeout)
                if reply.ok, let s = reply.status { statuses.append(s); continue }
                warn("\(bondName(of: p)): \(reply.error ?? "request failed")")
            } catch {
                warn("\(bondName(of: p)): not answering, skipped (\(error))")
            }
        }
        if statuses.isEmpty {
            fail("no running bond answered (\(paths.count) control socket\(paths.count == 1 ? "" : "s") in \(ControlPaths.directory))")
        }
        return statuses
    }

    /// The bond's socket, the one --socket names, or every running bond's.
    func paths(bond: String?) -> [String] {
        if let bond { return [path(for: bond)] }
        if let socket { return [socket] }
        let all = runningSockets()
        if all.isEmpty { fail("no bonds are running (no control sockets in \(ControlPaths.directory)); start one with bondd") }
        return all
    }
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("bondctl: \(message)\n".utf8))
}

/// `bond0` for `/run/bondd/bond0.sock`.
func bondName(of path: String) -> String {
    let file = (path as NSString).lastPathComponent
    return file.hasSuffix(".sock") ? String(file.dropLast(5)) : file
}

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("bondctl: \(message)\n".utf8))
    exit(code)
}

/// Every running bond's control socket, by name.
func runningSockets() -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: ControlPaths.directory)) ?? []
    return entries.filter { $0.hasSuffix(".sock") }.sorted().map { "\(ControlPaths.directory)/\($0)" }
}

/// Shell completion: running bonds, and interfaces for member arguments.
enum Completions {
    static let bonds = CompletionKind.custom { _, _, _ in
        runningSockets().map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".sock", with: "") }
    }
    /// Interfaces that can join a bond (add-member).
    static let interfaces = CompletionKind.custom { _, _, _ in
        MemberCandidates.names(bonds: Set(runningBonds()))
    }
    /// The members of the bond named on the command line (set-active, remove-member,
    /// capture...): the word after the command's name.
    static let members = CompletionKind.custom { words, _, _ in bondMembers(words) }

    private static func bondMembers(_ words: [String]) -> [String] {
        guard let bond = words.dropFirst(2).first(where: { !$0.hasPrefix("-") }),
            let status = try? ControlClient.send(ControlRequest(command: .show), to: ControlPaths.socket(for: bond), timeout: 1).status
        else { return [] }
        return status.members.map(\.name)
    }
    /// add-member: interfaces that can join; the other member commands: members.
    static let memberCommand = CompletionKind.custom { words, index, prefix in
        words.contains("add-member") ? MemberCandidates.names(bonds: Set(runningBonds())) : bondMembers(words)
    }
    /// Bonding options as `name=`, then their values.
    static let options = CompletionKind.custom { _, _, prefix in OptionCompletion.candidates(for: prefix) }

    private static func runningBonds() -> [String] {
        runningSockets().map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".sock", with: "") }
    }
}
