OK_FORMAT = True

test = {   'name': 'q4_memory',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': '>>> from utils.exercise import check_not_calling\n'
                                               ">>> check_not_calling(final_state, 'rnn_forward', 'rnn_step', 'SimpleRNN', 'SimpleRNNCell', 'RNN', '_rnn')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': '>>> _got = final_state([0.8, -0.3, 0.1], 1.5, 0.5, 0.9)\n'
                                               ">>> assert abs(_got - 0.15) < 1e-09, f'final_state([0.8, -0.3, 0.1], 1.5, 0.5, bound=0.9): expected 0.15 (h: 0.9 after clipping 1.2, then 0, 0.15), "
                                               "got {_got}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
