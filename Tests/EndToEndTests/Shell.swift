import Foundation
import Glibc

/// A child process started with posix_spawn, with a clean signal mask and default
/// handlers: children of the test runner's threads would otherwise inherit a mask that
/// blocks SIGTERM and SIGALRM, so `timeout` and a polite stop would never work.
final class Spawned {
    let pid: pid_t
    let outputPath: String
    let errorPath: String
    private(set) var exitStatus: Int32?

    init(_ arguments: [String]) throws {
        let dir = NSTemporaryDirectory()
        let id = UUID().uuidString
        outputPath = dir + "spawn-\(id).out"
        errorPath = dir + "spawn-\(id).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        // Its own process group, so a timeout can kill everything it started.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var cArgs = arguments.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var p: pid_t = 0
        let r = posix_spawnp(&p, arguments[0], &actions, &attributes, &cArgs, environ)
        guard r == 0 else { throw TestbedError(message: "spawn \(arguments[0]): \(String(cString: strerror(r)))") }
        pid = p
    }

    deinit {
        if exitStatus == nil { kill(-pid, SIGKILL); _ = wait(timeout: 5) }
        unlink(outputPath)
        unlink(errorPath)
    }

    var isRunning: Bool { poll() == nil }

    /// Reaps the child if it has exited.
    @discardableResult
    func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        }
        return exitStatus
    }

    /// Waits up to `timeout` seconds; kills the whole group past it.
    @discardableResult
    func wait(timeout: TimeInterval = 60) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while poll() == nil && Date() < deadline { usleep(5_000) }
        if poll() == nil {
            kill(-pid, SIGKILL)
            while poll() == nil { usleep(5_000) }
        }
        return exitStatus!
    }

    func signal(_ s: Int32) { kill(pid, s) }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
}

/// Runs commands for the end-to-end tests and gives back status and output.
enum Shell {
    struct Result {
        var status: Int32
        var output: String
        var error: String
        var ok: Bool { status == 0 }
    }

    @discardableResult
    static func run(_ command: String, timeout: TimeInterval = 60) -> Result {
        guard let p = try? Spawned(["/bin/bash", "-c", command]) else { return Result(status: -1, output: "", error: "spawn failed") }
        let status = p.wait(timeout: timeout)
        return Result(status: status, output: p.output, error: p.errorOutput)
    }

    /// Starts a command in the background (a capture, a pinger).
    static func start(_ command: String) throws -> Spawned {
        try Spawned(["/bin/bash", "-c", "exec " + command])
    }

    /// One word for bash, whatever it holds.
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Polls `condition` until it holds or `timeout` passes; the wait is never the assertion.
    static func waitFor(_ timeout: TimeInterval, every interval: TimeInterval = 0.02, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(useconds_t(interval * 1_000_000))
        }
        return condition()
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Where `swift build` put bondd and bondctl (beside the test bundle).
    static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["BONDD_BIN_DIR"] { return dir }
        return (Bundle.main.executableURL ?? Bundle.main.bundleURL).deletingLastPathComponent().path
    }
}
