import ArgumentParser
import BondImport
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert an existing bond configuration into a bondd configuration file.",
        discussion: """
            Reads Debian's /etc/network/interfaces (ifenslave's bond-* keys, bond-master on \
            members, or pre-up ifenslave lines; modprobe files with 'options bonding' given \
            alongside apply to every bond), ifcfg files (SUSE's BONDING_MODULE_OPTS and \
            BONDING_SLAVEn, Red Hat's BONDING_OPTS with MASTER= in the members' files), \
            netplan YAML, or what 'ip -d link show' / 'ip -d addr show' (or -j) prints of a \
            running kernel bond. VLAN devices over the bond become its vlans, a bridge it is \
            a port of its bridge. Each file's kind is recognized by its content.

            Anything without a bondd equivalent is written as a comment under the bond's \
            section (Not carried over: ...), with the file and line it came from. Every key \
            written is checked as bondd checks it, so the output starts as written.

            Exit status: 0 when at least one bond was written, 1 when the input declares no \
            bond, 2 for input that cannot be read.

            Examples:
              bondctl import /etc/network/interfaces /etc/modprobe.d/bonding.conf
              cd /etc/sysconfig/network-scripts
              bondctl import ifcfg-bond0 ifcfg-eth0 ifcfg-eth1 -o /etc/bondd.conf
              bondctl import /etc/netplan/01-bond.yaml --bond bond0
              ip -d addr show | bondctl import
            """)

    @Argument(help: "Files to read ('-' or none: standard input).", completion: .file())
    var files: [String] = []

    @Option(name: .long, help: ArgumentHelp("What the files are, when not recognized: interfaces, ifcfg, netplan or ip.", valueName: "kind"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Only this bond (repeatable).", valueName: "name"))
    var bond: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("Write the configuration to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(name: .long, help: "Replace the --output file if it exists.")
    var force = false

    @Flag(name: .long, help: .hidden)
    var ifupdownEnvironment = false

    func run() throws {
        var format: ImportFormat?
        if let from {
            guard let f = ImportFormat(rawValue: from) else {
                fail("--from: unknown kind '\(from)' (\(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")))", code: 2)
            }
            format = f
        }
        if let output, !force, FileManager.default.fileExists(atPath: output) {
            fail("\(output) exists; give --force to replace it", code: 2)
        }
        let inputs = readInputs()
        let found: [ImportedBond]
        do { found = try BondImporter.bonds(from: inputs, format: ifupdownEnvironment ? .interfaces : format) } catch { fail(error.message, code: 2) }
        let names = found.map(\.name)
        for b in bond where !names.contains(b) {
            fail("\(b): not in the input (\(names.isEmpty ? "it declares no bond" : "it declares " + names.joined(separator: ", ")))")
        }
        let chosen = bond.isEmpty ? found : found.filter { bond.contains($0.name) }
        guard !chosen.isEmpty else { fail("no bond in \(inputs.map(\.path).joined(separator: ", "))") }
        let result: ImportWriter.Output
        do { result = try ImportWriter.render(chosen, sources: inputs.map(\.path)) } catch { fail(error.message, code: 2) }
        if let output {
            do { try Data(result.text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                fail("\(output): \(error.localizedDescription)", code: 2)
            }
        } else {
            FileHandle.standardOutput.write(Data(result.text.utf8))
        }
        for name in result.written {
            let n = result.notes.filter { $0.bond == name }.count
            if n > 0 { warn("\(name): \(n) setting\(n == 1 ? "" : "s") not carried over (see the comments under [\(name)])") }
        }
        for name in result.skipped { warn("\(name): not written (no members); its section is a comment") }
        guard !result.written.isEmpty else { throw ExitCode(1) }
    }

    private func warn(_ line: String) { FileHandle.standardError.write(Data("bondctl: \(line)\n".utf8)) }

    private func readInputs() -> [BondImporter.Input] {
        if ifupdownEnvironment {
            guard let stanza = IfupdownEnvironment.stanza(ProcessInfo.processInfo.environment) else {
                fail("--ifupdown-environment: no IFACE with IF_BOND_SLAVES in the environment", code: 2)
            }
            return [.init(path: "ifupdown stanza of \(ProcessInfo.processInfo.environment["IFACE"] ?? "")", text: stanza)]
        }
        let paths = files.isEmpty ? ["-"] : files
        return paths.map { path in
            let data: Data?
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    fail("\(path): a directory; give its files", code: 2)
                }
                data = FileManager.default.contents(atPath: path)
            }
            guard let data else { fail("\(path): cannot read (\(String(cString: strerror(errno))))", code: 2) }
            guard let text = String(data: data, encoding: .utf8), !text.contains("\0") else { fail("\(path): not a text file", code: 2) }
            return .init(path: path == "-" ? "standard input" : path, text: text)
        }
    }
}
