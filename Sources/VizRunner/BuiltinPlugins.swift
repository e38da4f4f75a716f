import Activations
import Filters
import GradCAM
import HDF5Loader
import KerasGraph
import KerasLoader
import ONNXLoader
import RawLoader
import VizCore

extension Registry {
    /// Every loader and visualizer that ships with vizrun: the one list of built-ins.
    public static func builtins() -> Registry {
        let registry = Registry()
        registry.builtinLayerClasses = KerasLayerClasses.builtIn
        // Built-in names are distinct, so registering them cannot clash.
        try! registry.register(loader: HDF5ModelLoader.self)
        try! registry.register(loader: KerasArchiveLoader.self)
        try! registry.register(loader: RawModelLoader.self)
        try! registry.register(loader: ONNXModelLoader.self)
        try! registry.register(visualizer: ActivationsVisualizer.self)
        try! registry.register(visualizer: FiltersVisualizer.self)
        try! registry.register(visualizer: GradCAMVisualizer.self)
        try! registry.register(visualizer: SaliencyVisualizer.self)
        try! registry.register(visualizer: MetricsVisualizer.self)
        return registry
    }
}
