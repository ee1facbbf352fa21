// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "bondd",
    products: [
        .executable(name: "bondd", targets: ["bondd"]),
        .executable(name: "bondctl", targets: ["bondctl"]),
        .executable(name: "bondsim", targets: ["bondsim"]),
        .library(name: "BondCore", targets: ["BondCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // Pure bonding logic: frames, options, modes, monitors. No I/O, no clock of its own.
        .target(name: "BondCore"),
        // Linux kernel headers and a few inline helpers Swift cannot express (ring barriers, macros).
        .target(name: "CLinuxNet"),
        // The small system layer every target shares: errors that keep errno, the clock,
        // /proc files and process facts, Unix stream sockets (the control channel).
        .target(name: "SystemIO"),
        .systemLibrary(name: "CLibBPF", pkgConfig: "libbpf"),
        // libxdp's AF_XDP socket API (xsk), for the AF_XDP backend.
        .systemLibrary(name: "CLibXDP", pkgConfig: "libxdp"),
        // libpcap's file writer, kept apart: its BPF headers clash with libbpf's.
        .target(name: "CPcapFile", linkerSettings: [.linkedLibrary("pcap")]),
        // The XDP programs of bpf/, compiled with clang -target bpf and embedded in PacketIO.
        .plugin(name: "BPFCompiler", capability: .buildTool()),
        // Sockets, rings, netlink, tc, XDP, pcap files: everything that touches the kernel. Knows nothing of modes.
        .target(name: "PacketIO", dependencies: ["SystemIO", "CLinuxNet", "CLibBPF", "CLibXDP", "CPcapFile"], plugins: ["BPFCompiler"]),
        // Wires backends to the bond's policy and monitors; the per-frame loop.
        .target(
            name: "BondEngine",
            dependencies: [
                "BondCore", "PacketIO", "SystemIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]),
        // The Prometheus endpoint: bonds' status as metrics, over a small HTTP server.
        .target(
            name: "BondMetrics",
            dependencies: [
                "BondCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        // Control protocol (JSON over a Unix socket), server (SwiftNIO) and client.
        .target(
            name: "BondControl",
            dependencies: [
                "BondCore", "SystemIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "bondd",
            dependencies: [
                "BondEngine", "BondControl", "BondCore", "BondMetrics", "PacketIO", "SystemIO",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // bondsim's simulation: the daemon's own policy code on a virtual clock over traces,
        // and the figures it reports. BondCore alone: no root, no sockets.
        .target(name: "BondSim", dependencies: ["BondCore"]),
        .executableTarget(
            name: "bondsim",
            dependencies: ["BondSim", "BondCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // `bondctl import`: existing bond configurations (ifupdown, ifcfg, netplan, `ip -d
        // link`) read into bondd's configuration file. BondCore alone, and netplan's YAML.
        .target(name: "BondImport", dependencies: ["BondCore", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "bondctl",
            dependencies: [
                "BondControl", "BondCore", "BondImport", "SystemIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "BondCoreTests", dependencies: ["BondCore"]),
        .testTarget(name: "BondSimTests", dependencies: ["BondSim", "BondCore"]),
        .testTarget(name: "BondImportTests", dependencies: ["BondImport", "BondCore"]),
        .testTarget(name: "BondControlTests", dependencies: ["BondControl", "BondCore", "SystemIO"]),
        .testTarget(name: "BondMetricsTests", dependencies: ["BondMetrics", "BondCore"]),
        .testTarget(name: "PacketIOTests", dependencies: ["PacketIO", "BondCore", "SystemIO", "CLibBPF"]),
        // The engine on an in-memory kernel and a virtual clock: no root, no namespaces.
        .testTarget(
            name: "BondEngineTests",
            dependencies: [
                "BondEngine", "BondCore", "BondSim", "PacketIO", "SystemIO",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["BondControl", "BondCore"]),
    ],
    swiftLanguageModes: [.v6]
)
