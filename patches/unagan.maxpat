{
 "patcher": {
  "fileversion": 1,
  "appversion": {
   "major": 8,
   "minor": 5
  },
  "classnamespace": "box",
  "rect": [
   40,
   40,
   900,
   640
  ],
  "default_fontsize": 12.0,
  "boxes": [
   {
    "box": {
     "id": "obj-0",
     "maxclass": "comment",
     "patching_rect": [
      20,
      10,
      600,
      22
     ],
     "text": "Demiurge UNAGAN - endless generation from internal noise (forward) or from z you steer (decode)."
    }
   },
   {
    "box": {
     "id": "obj-1",
     "maxclass": "comment",
     "patching_rect": [
      20,
      35,
      600,
      22
     ],
     "text": "This model runs at 44100 Hz. nn~ never tells a model the sample rate - set the audio sample rate to 44100 Hz. Model file: ../export/unagan.ts"
    }
   },
   {
    "box": {
     "id": "obj-2",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      90,
      50,
      22
     ],
     "text": "sig~ 0"
    }
   },
   {
    "box": {
     "id": "obj-3",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      160,
      252,
      22
     ],
     "text": "nn~ ../export/unagan.ts forward 4096"
    }
   },
   {
    "box": {
     "id": "obj-4",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      230,
      50,
      22
     ],
     "text": "*~ 0.5"
    }
   },
   {
    "box": {
     "id": "obj-5",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      270,
      50,
      22
     ],
     "text": "dac~"
    }
   },
   {
    "box": {
     "id": "obj-6",
     "maxclass": "message",
     "patching_rect": [
      420,
      90,
      133,
      22
     ],
     "text": "set temperature 0.7"
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "message",
     "patching_rect": [
      420,
      120,
      133,
      22
     ],
     "text": "set temperature 1.5"
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "message",
     "patching_rect": [
      600,
      90,
      70,
      22
     ],
     "text": "set seed 1"
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "message",
     "patching_rect": [
      600,
      120,
      77,
      22
     ],
     "text": "set seed 42"
    }
   },
   {
    "box": {
     "id": "obj-10",
     "maxclass": "comment",
     "patching_rect": [
      20,
      330,
      600,
      22
     ],
     "text": "decode: 20 z channels (one value per 4096 samples) - move the sliders' numbers to steer"
    }
   },
   {
    "box": {
     "id": "obj-11",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      470,
      245,
      22
     ],
     "text": "nn~ ../export/unagan.ts decode 4096"
    }
   },
   {
    "box": {
     "id": "obj-12",
     "maxclass": "flonum",
     "patching_rect": [
      20,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-13",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-14",
     "maxclass": "flonum",
     "patching_rect": [
      60,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-15",
     "maxclass": "newobj",
     "patching_rect": [
      60,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-16",
     "maxclass": "flonum",
     "patching_rect": [
      100,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-17",
     "maxclass": "newobj",
     "patching_rect": [
      100,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-18",
     "maxclass": "flonum",
     "patching_rect": [
      140,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-19",
     "maxclass": "newobj",
     "patching_rect": [
      140,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-20",
     "maxclass": "flonum",
     "patching_rect": [
      180,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-21",
     "maxclass": "newobj",
     "patching_rect": [
      180,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-22",
     "maxclass": "flonum",
     "patching_rect": [
      220,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-23",
     "maxclass": "newobj",
     "patching_rect": [
      220,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-24",
     "maxclass": "flonum",
     "patching_rect": [
      260,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-25",
     "maxclass": "newobj",
     "patching_rect": [
      260,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-26",
     "maxclass": "flonum",
     "patching_rect": [
      300,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-27",
     "maxclass": "newobj",
     "patching_rect": [
      300,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-28",
     "maxclass": "flonum",
     "patching_rect": [
      340,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-29",
     "maxclass": "newobj",
     "patching_rect": [
      340,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-30",
     "maxclass": "flonum",
     "patching_rect": [
      380,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-31",
     "maxclass": "newobj",
     "patching_rect": [
      380,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-32",
     "maxclass": "flonum",
     "patching_rect": [
      420,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-33",
     "maxclass": "newobj",
     "patching_rect": [
      420,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-34",
     "maxclass": "flonum",
     "patching_rect": [
      460,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-35",
     "maxclass": "newobj",
     "patching_rect": [
      460,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-36",
     "maxclass": "flonum",
     "patching_rect": [
      500,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-37",
     "maxclass": "newobj",
     "patching_rect": [
      500,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-38",
     "maxclass": "flonum",
     "patching_rect": [
      540,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-39",
     "maxclass": "newobj",
     "patching_rect": [
      540,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-40",
     "maxclass": "flonum",
     "patching_rect": [
      580,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-41",
     "maxclass": "newobj",
     "patching_rect": [
      580,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-42",
     "maxclass": "flonum",
     "patching_rect": [
      620,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-43",
     "maxclass": "newobj",
     "patching_rect": [
      620,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-44",
     "maxclass": "flonum",
     "patching_rect": [
      660,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-45",
     "maxclass": "newobj",
     "patching_rect": [
      660,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-46",
     "maxclass": "flonum",
     "patching_rect": [
      700,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-47",
     "maxclass": "newobj",
     "patching_rect": [
      700,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-48",
     "maxclass": "flonum",
     "patching_rect": [
      740,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-49",
     "maxclass": "newobj",
     "patching_rect": [
      740,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-50",
     "maxclass": "flonum",
     "patching_rect": [
      780,
      370,
      50,
      22
     ],
     "minimum": -4,
     "maximum": 4
    }
   },
   {
    "box": {
     "id": "obj-51",
     "maxclass": "newobj",
     "patching_rect": [
      780,
      410,
      50,
      22
     ],
     "text": "sig~"
    }
   },
   {
    "box": {
     "id": "obj-52",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      530,
      50,
      22
     ],
     "text": "*~ 0.5"
    }
   },
   {
    "box": {
     "id": "obj-53",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      570,
      50,
      22
     ],
     "text": "dac~"
    }
   }
  ],
  "lines": [
   {
    "patchline": {
     "source": [
      "obj-2",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-3",
      0
     ],
     "destination": [
      "obj-4",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      0
     ],
     "destination": [
      "obj-5",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      0
     ],
     "destination": [
      "obj-5",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-6",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-7",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-9",
      0
     ],
     "destination": [
      "obj-3",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-12",
      0
     ],
     "destination": [
      "obj-13",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-13",
      0
     ],
     "destination": [
      "obj-11",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-14",
      0
     ],
     "destination": [
      "obj-15",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-15",
      0
     ],
     "destination": [
      "obj-11",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-16",
      0
     ],
     "destination": [
      "obj-17",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-17",
      0
     ],
     "destination": [
      "obj-11",
      2
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-18",
      0
     ],
     "destination": [
      "obj-19",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-19",
      0
     ],
     "destination": [
      "obj-11",
      3
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-20",
      0
     ],
     "destination": [
      "obj-21",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      0
     ],
     "destination": [
      "obj-11",
      4
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-22",
      0
     ],
     "destination": [
      "obj-23",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-23",
      0
     ],
     "destination": [
      "obj-11",
      5
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-24",
      0
     ],
     "destination": [
      "obj-25",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-25",
      0
     ],
     "destination": [
      "obj-11",
      6
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-26",
      0
     ],
     "destination": [
      "obj-27",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-27",
      0
     ],
     "destination": [
      "obj-11",
      7
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-28",
      0
     ],
     "destination": [
      "obj-29",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-29",
      0
     ],
     "destination": [
      "obj-11",
      8
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-30",
      0
     ],
     "destination": [
      "obj-31",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-31",
      0
     ],
     "destination": [
      "obj-11",
      9
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-32",
      0
     ],
     "destination": [
      "obj-33",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-33",
      0
     ],
     "destination": [
      "obj-11",
      10
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-34",
      0
     ],
     "destination": [
      "obj-35",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-35",
      0
     ],
     "destination": [
      "obj-11",
      11
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-36",
      0
     ],
     "destination": [
      "obj-37",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-37",
      0
     ],
     "destination": [
      "obj-11",
      12
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-38",
      0
     ],
     "destination": [
      "obj-39",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-39",
      0
     ],
     "destination": [
      "obj-11",
      13
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-40",
      0
     ],
     "destination": [
      "obj-41",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-41",
      0
     ],
     "destination": [
      "obj-11",
      14
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-42",
      0
     ],
     "destination": [
      "obj-43",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-43",
      0
     ],
     "destination": [
      "obj-11",
      15
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-44",
      0
     ],
     "destination": [
      "obj-45",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-45",
      0
     ],
     "destination": [
      "obj-11",
      16
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-46",
      0
     ],
     "destination": [
      "obj-47",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-47",
      0
     ],
     "destination": [
      "obj-11",
      17
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-48",
      0
     ],
     "destination": [
      "obj-49",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-49",
      0
     ],
     "destination": [
      "obj-11",
      18
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-50",
      0
     ],
     "destination": [
      "obj-51",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-51",
      0
     ],
     "destination": [
      "obj-11",
      19
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-11",
      0
     ],
     "destination": [
      "obj-52",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-52",
      0
     ],
     "destination": [
      "obj-53",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-52",
      0
     ],
     "destination": [
      "obj-53",
      1
     ]
    }
   }
  ]
 }
}
