OK_FORMAT = True

test = {   'name': 'q2_nog_lstm_params',
    'points': 1,
    'suites': [   {   'cases': [   {   'code': ">>> from utils.exercise import check_not_calling\n>>> check_not_calling(nog_lstm_params, 'lstm_param_count', 'gru_param_count', 'count_params')\n",
                                       'hidden': False,
                                       'locked': False},
                                   {   'code': ">>> assert nog_lstm_params(2, 3) == 40, f'nog_lstm_params(2, 3): expected 40, got {nog_lstm_params(2, 3)}'\n"
                                               ">>> assert isinstance(nog_over_lstm, int | float), f'nog_over_lstm: expected a number, got {nog_over_lstm!r}'\n",
                                       'hidden': False,
                                       'locked': False}],
                      'scored': True,
                      'setup': '',
                      'teardown': '',
                      'type': 'doctest'}]}
