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
     "text": "Demiurge vocoder - resynthesis of the input with the timbre of the training corpus."
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
     "text": "This model runs at 44100 Hz. nn~ never tells a model the sample rate - set the audio sample rate to 44100 Hz. Model file: ../export/vocoder.ts"
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
     "text": "adc~"
    }
   },
   {
    "box": {
     "id": "obj-3",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      160,
      259,
      22
     ],
     "text": "nn~ ../export/vocoder.ts forward 4096"
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
     "maxclass": "comment",
     "patching_rect": [
      20,
      330,
      600,
      22
     ],
     "text": "The same through the mel: encode gives 80 mel channels (one value per 256 samples)"
    }
   },
   {
    "box": {
     "id": "obj-7",
     "maxclass": "comment",
     "patching_rect": [
      20,
      355,
      600,
      22
     ],
     "text": "and decode turns them back into sound. Change mel channels between them to play with the spectrum."
    }
   },
   {
    "box": {
     "id": "obj-8",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      400,
      252,
      22
     ],
     "text": "nn~ ../export/vocoder.ts encode 4096"
    }
   },
   {
    "box": {
     "id": "obj-9",
     "maxclass": "newobj",
     "patching_rect": [
      20,
      470,
      252,
      22
     ],
     "text": "nn~ ../export/vocoder.ts decode 4096"
    }
   },
   {
    "box": {
     "id": "obj-10",
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
     "id": "obj-11",
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
      "obj-2",
      0
     ],
     "destination": [
      "obj-8",
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
      "obj-9",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      1
     ],
     "destination": [
      "obj-9",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      2
     ],
     "destination": [
      "obj-9",
      2
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      3
     ],
     "destination": [
      "obj-9",
      3
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      4
     ],
     "destination": [
      "obj-9",
      4
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      5
     ],
     "destination": [
      "obj-9",
      5
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      6
     ],
     "destination": [
      "obj-9",
      6
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      7
     ],
     "destination": [
      "obj-9",
      7
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      8
     ],
     "destination": [
      "obj-9",
      8
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      9
     ],
     "destination": [
      "obj-9",
      9
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      10
     ],
     "destination": [
      "obj-9",
      10
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      11
     ],
     "destination": [
      "obj-9",
      11
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      12
     ],
     "destination": [
      "obj-9",
      12
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      13
     ],
     "destination": [
      "obj-9",
      13
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      14
     ],
     "destination": [
      "obj-9",
      14
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      15
     ],
     "destination": [
      "obj-9",
      15
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      16
     ],
     "destination": [
      "obj-9",
      16
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      17
     ],
     "destination": [
      "obj-9",
      17
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      18
     ],
     "destination": [
      "obj-9",
      18
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      19
     ],
     "destination": [
      "obj-9",
      19
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      20
     ],
     "destination": [
      "obj-9",
      20
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      21
     ],
     "destination": [
      "obj-9",
      21
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      22
     ],
     "destination": [
      "obj-9",
      22
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      23
     ],
     "destination": [
      "obj-9",
      23
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      24
     ],
     "destination": [
      "obj-9",
      24
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      25
     ],
     "destination": [
      "obj-9",
      25
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      26
     ],
     "destination": [
      "obj-9",
      26
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      27
     ],
     "destination": [
      "obj-9",
      27
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      28
     ],
     "destination": [
      "obj-9",
      28
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      29
     ],
     "destination": [
      "obj-9",
      29
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      30
     ],
     "destination": [
      "obj-9",
      30
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      31
     ],
     "destination": [
      "obj-9",
      31
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      32
     ],
     "destination": [
      "obj-9",
      32
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      33
     ],
     "destination": [
      "obj-9",
      33
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      34
     ],
     "destination": [
      "obj-9",
      34
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      35
     ],
     "destination": [
      "obj-9",
      35
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      36
     ],
     "destination": [
      "obj-9",
      36
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      37
     ],
     "destination": [
      "obj-9",
      37
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      38
     ],
     "destination": [
      "obj-9",
      38
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      39
     ],
     "destination": [
      "obj-9",
      39
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      40
     ],
     "destination": [
      "obj-9",
      40
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      41
     ],
     "destination": [
      "obj-9",
      41
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      42
     ],
     "destination": [
      "obj-9",
      42
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      43
     ],
     "destination": [
      "obj-9",
      43
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      44
     ],
     "destination": [
      "obj-9",
      44
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      45
     ],
     "destination": [
      "obj-9",
      45
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      46
     ],
     "destination": [
      "obj-9",
      46
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      47
     ],
     "destination": [
      "obj-9",
      47
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      48
     ],
     "destination": [
      "obj-9",
      48
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      49
     ],
     "destination": [
      "obj-9",
      49
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      50
     ],
     "destination": [
      "obj-9",
      50
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      51
     ],
     "destination": [
      "obj-9",
      51
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      52
     ],
     "destination": [
      "obj-9",
      52
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      53
     ],
     "destination": [
      "obj-9",
      53
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      54
     ],
     "destination": [
      "obj-9",
      54
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      55
     ],
     "destination": [
      "obj-9",
      55
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      56
     ],
     "destination": [
      "obj-9",
      56
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      57
     ],
     "destination": [
      "obj-9",
      57
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      58
     ],
     "destination": [
      "obj-9",
      58
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      59
     ],
     "destination": [
      "obj-9",
      59
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      60
     ],
     "destination": [
      "obj-9",
      60
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      61
     ],
     "destination": [
      "obj-9",
      61
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      62
     ],
     "destination": [
      "obj-9",
      62
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      63
     ],
     "destination": [
      "obj-9",
      63
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      64
     ],
     "destination": [
      "obj-9",
      64
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      65
     ],
     "destination": [
      "obj-9",
      65
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      66
     ],
     "destination": [
      "obj-9",
      66
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      67
     ],
     "destination": [
      "obj-9",
      67
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      68
     ],
     "destination": [
      "obj-9",
      68
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      69
     ],
     "destination": [
      "obj-9",
      69
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      70
     ],
     "destination": [
      "obj-9",
      70
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      71
     ],
     "destination": [
      "obj-9",
      71
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      72
     ],
     "destination": [
      "obj-9",
      72
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      73
     ],
     "destination": [
      "obj-9",
      73
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      74
     ],
     "destination": [
      "obj-9",
      74
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      75
     ],
     "destination": [
      "obj-9",
      75
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      76
     ],
     "destination": [
      "obj-9",
      76
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      77
     ],
     "destination": [
      "obj-9",
      77
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      78
     ],
     "destination": [
      "obj-9",
      78
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-8",
      79
     ],
     "destination": [
      "obj-9",
      79
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
      "obj-10",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-10",
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
      "obj-10",
      0
     ],
     "destination": [
      "obj-11",
      1
     ]
    }
   }
  ]
 }
}
