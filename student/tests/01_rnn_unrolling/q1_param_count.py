OK_FORMAT = True

test = {   'name': 'q1_param_count',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(param_count, 'count_params', 'simple_rnn_param_count')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': ">>> assert param_count(3, 2) == 12, f'param_count(3, 2): expected 12 (W_x, w_h and b of a 3-unit diagonal RNN on 2 features), got {param_count(3, "
                                               "2)}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
