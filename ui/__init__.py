"""Streamlit + Plotly glue of the LSTM-1997 lab.

``nav``     the table of pages and the shared sidebar
``params``  settings bound to the URL (``st.query_params``), validated
``theme``   one colour per concept, a common Plotly layout

The engine (``lstm_core``) never imports this package; this package only
arranges and draws what the engine returns.
"""
