// swift-tools-version:6.1
// Benchmarks of bondd's per-frame work (ordo-one/benchmark): a package of its own so
// the main build and its tests do not pull the benchmark machinery in.
// Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "bondd-benchmarks",
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    ],
    targets: [
        // BondCore's own sources (a link to ../Sources/BondCore): the pure per-frame logic.
        .target(name: "BondCore", path: "BondCore"),
        .executableTarget(
            name: "FrameDecisions",
            dependencies: ["BondCore", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/FrameDecisions",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // bondsim's replay (a link to ../Sources/BondSim): frames per second of simulation.
        .target(name: "BondSim", dependencies: ["BondCore"], path: "BondSim"),
        .executableTarget(
            name: "Simulation",
            dependencies: ["BondSim", "BondCore", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/Simulation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
