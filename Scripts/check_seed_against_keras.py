#!/usr/bin/env python3
"""Runs the release vizrun on the demo image with `layers: all` and prints, per layer, the largest
difference from Keras's output (Tests/Fixtures/models/seed) relative to the reference's largest
magnitude. Tooling only.

    swift build -c release --product vizrun && python3 Scripts/check_seed_against_keras.py
"""
import json, numpy as np, os, subprocess, sys, tempfile
root=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ref=json.load(open(f'{root}/Tests/Fixtures/models/seed/reference.json'))
work=tempfile.mkdtemp()
cfg=f"""model: {root}/Configs/models/scenes_convnet.h5
input: {{images: [{root}/Configs/images/chelsea.jpg], size: [150,150], scale: 1/255}}
output: {{dir: {work}/out}}
runs:
  - visualizer: activations
    layers: all
"""
open(f'{work}/c.yaml','w').write(cfg)
subprocess.run([f'{root}/.build/release/vizrun', f'{work}/c.yaml','-q'],check=True)
man=json.load(open(f'{work}/out/manifest.json'))
arts={a['layer']:a['path'] for a in man['runs'][0]['artifacts'] if a['role']=='activation'}
worst=0
for l in ref['layers']:
    r=np.load(f"{root}/Tests/Fixtures/models/seed/{l['output']}")[0]
    a=np.load(f"{work}/out/{arts[l['name']]}")
    d=np.abs(a-r).max()/np.abs(r).max()
    worst=max(worst,d)
    print(f"{l['name']:18} {d:.2e}")
print('worst', worst)
